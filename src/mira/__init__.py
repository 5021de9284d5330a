"""MIRA: captures lawyers' time entries and delivers them to Clio Manage."""
