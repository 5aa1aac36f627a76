ptf ~
hk1  ~ hk1            ~
rch  ~ rch            ~
hk1b ~hk1     ~
