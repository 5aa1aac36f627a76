ptf ~
BEGIN options
END options

BEGIN griddata
  icelltype
    CONSTANT  0
  k
    CONSTANT  ~        hk        ~
END griddata
