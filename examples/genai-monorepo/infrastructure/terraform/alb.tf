# Application Load Balancer: its security group and one target group per service.

# FastAPI Target Group
resource "aws_lb_target_group" "fastapi" {
  name     = "${var.project_name}-${var.environment}-fastapi"
  port     = 8000  # Application internal port
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id

  health_check {
    enabled             = true
    healthy_threshold   = 2
    path                = "/health"
    port                = "traffic-port"  # Uses target group port (8000)
    protocol            = "HTTP"
    unhealthy_threshold = 2
    timeout             = 5
    interval            = 30
    matcher             = "200"
  }
}

# Web Application Target Group
resource "aws_lb_target_group" "webapp" {
  name     = "${var.project_name}-${var.environment}-webapp"
  port     = 3000  # Application internal port  
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
}

# Dash Analytics Target Group
resource "aws_lb_target_group" "dash" {
  name     = "${var.project_name}-${var.environment}-dash"
  port     = 8050  # Application internal port
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
}

# Airflow Target Group  
resource "aws_lb_target_group" "airflow" {
  name     = "${var.project_name}-${var.environment}-airflow"
  port     = 8080  # Application internal port
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
}

# Application Load Balancer Security Group
resource "aws_security_group" "alb" {
  name_prefix = "${var.project_name}-${var.environment}-alb-"
  vpc_id      = aws_vpc.main.id

  # HTTP Access
  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]  # Internet-facing
  }

  # HTTPS Access
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]  # Internet-facing
  }

  # All outbound traffic
  egress {
    from_port   = 0
    to_port     = 65535
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
  }
}
