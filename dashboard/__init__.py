"""The marketing dashboard: a Streamlit app (app.py and pages/) over the warehouse named queries."""
