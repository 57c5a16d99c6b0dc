"""The CLI's commands, grouped by what the user is doing: gathering, analysing, showing."""
