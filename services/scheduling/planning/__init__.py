"""The planner loop: follow the network state, solve, fence and settle against the progress
recorded meanwhile, publish; and each factory's assignment feed of what was published."""
