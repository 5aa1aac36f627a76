ptf ~
# gwflow input. modelfleet writes this file (model.in) from model.in.tpl for every
# realisation: each field (a parameter name between tilde delimiters, 26 characters wide)
# becomes that realisation's parameter value, written to the full width of the field.
# Lengths in m, time in days, rates in m3/d; rows count north to south, columns west to east.
title        Demo aquifer between a river (west) and a lake (east)
nrow         60
ncol         60
delta        100.0
top          80.0
bottom       43.0
zones        zones.txt

# Hydraulic conductivity (m/d) of each zone in zones.txt
hk  1        ~ hk1                    ~
hk  2        ~ hk2                    ~
hk  3        ~ hk3                    ~
hk  4        ~ hk4                    ~

# Recharge (m/d), applied to every active cell
rch          ~ rch                    ~

# Fixed heads (m): column 1 is the river, column 60 the lake
river_stage  ~ riv_stage              ~
lake_stage   ~ lake_stage             ~

# Pumping wells: name, row, column, rate (m3/d, positive = extraction)
well PW1  40  24  ~ q_w1                   ~
well PW2  22  44  ~ q_w2                   ~
well PW3  48  47  ~ q_w3                   ~

# Observation wells: name, row, column
obs  OW1  10   6
obs  OW2  30  15
obs  OW3  40  27
obs  OW4  16  30
obs  OW5  24  45
obs  OW6  50  48
obs  OW7   6  52
obs  OW8  55  20

# West-east head profile: row, then the columns of points TR_X01, TR_X02, ...
transect 30   3  8 13 18 23 28 33 38 43 48 53 58

# Solver: iteration limit, head-change (m) and residual (m3/d) closure criteria
max_iter     300
hclose       1e-8
rclose       1e-5
