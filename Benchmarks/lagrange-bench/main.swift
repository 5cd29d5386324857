import LagrangeProp
print("placeholder")
