package app

import "go.temporal.io/sdk/client"

// Temporal is the process's client of the Temporal frontend it runs against, for
// tools that run beside the product in the same process (the benchmark).
func (a *App) Temporal() client.Client { return a.client }
