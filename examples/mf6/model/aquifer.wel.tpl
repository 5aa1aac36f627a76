ptf ~
BEGIN options
END options

BEGIN dimensions
  MAXBOUND  1
END dimensions

BEGIN period  1
  1  5  8  ~       q_pump     ~
END period
