variable "aws_region" {
  description = "AWS region to deploy into"
  type        = string
  default     = "us-east-1"
}

variable "project_name" {
  description = "Prefix of every resource name"
  type        = string
  default     = "mono-repo"
}

variable "environment" {
  description = "Deployment environment: dev, uat or prod"
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC"
  type        = string
  default     = "10.0.0.0/16"
}

variable "allowed_cidr_blocks" {
  description = "CIDR blocks allowed to reach the development server over SSH"
  type        = list(string)
}
