"""democity"""
