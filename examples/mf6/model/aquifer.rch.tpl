ptf ~
BEGIN options
  READASARRAYS
END options

BEGIN period  1
  recharge
    CONSTANT  ~       rch        ~
END period
