"""Pure calculations on clean series: rallies and records, flow windows, FX-hedged yields."""
