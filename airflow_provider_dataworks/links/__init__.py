"""Links of the DataWorks provider."""
