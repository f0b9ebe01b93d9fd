environment         = "prod"
allowed_cidr_blocks = ["203.0.113.0/24"]
