"""Tables and questions: cell text to numbers and dates, CSV files and DataFrames to typed tables, question constants, official answer scoring."""
