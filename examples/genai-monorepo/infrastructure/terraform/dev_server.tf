# Development server: its security group and the rules that open the service ports.

resource "aws_security_group" "dev_server" {
  name_prefix = "${var.project_name}-${var.environment}-dev-server-"
  description = "Development server"
  vpc_id      = aws_vpc.main.id
}

# SSH Access
resource "aws_security_group_rule" "ssh_access" {
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = [var.allowed_cidr_blocks]
  security_group_id = aws_security_group.dev_server.id
}

# FastAPI Service Access
resource "aws_security_group_rule" "fastapi_access" {
  type              = "ingress"
  from_port         = 8000
  to_port           = 8000
  protocol          = "tcp"
  cidr_blocks       = [var.vpc_cidr]
  security_group_id = aws_security_group.dev_server.id
}

# Web Application Access  
resource "aws_security_group_rule" "web_access" {
  type              = "ingress"
  from_port         = 3000
  to_port           = 3000
  protocol          = "tcp"
  cidr_blocks       = [var.vpc_cidr]
  security_group_id = aws_security_group.dev_server.id
}

# Dash Analytics Access
resource "aws_security_group_rule" "dash_access" {
  type              = "ingress"
  from_port         = 8050
  to_port           = 8050
  protocol          = "tcp"
  cidr_blocks       = [var.vpc_cidr]
  security_group_id = aws_security_group.dev_server.id
}

# Airflow Webserver Access
resource "aws_security_group_rule" "airflow_access" {
  type              = "ingress"
  from_port         = 8080
  to_port           = 8080
  protocol          = "tcp"
  cidr_blocks       = [var.vpc_cidr]
  security_group_id = aws_security_group.dev_server.id
}
