"""The programmer workflows on the simulated pump (issue: programmer workflows): interrogate,
refill, boluses, transmit with progress and read-back, and the loud stopped-pump banner."""
