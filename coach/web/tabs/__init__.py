"""One module per tab of the web UI: plain handler functions (Services + inputs → display values, tested without a
browser) and a `build(services)` that creates the tab's components and wires the handlers."""
