"""placeholder"""
def add_routes(r):
    pass
