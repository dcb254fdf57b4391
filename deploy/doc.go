// Package deploy holds no code. Its tests hold the files of deploy/ (the image, the
// Compose installation, the Kubernetes manifests, the Prometheus and Grafana
// configuration) to the binary they run: the environment variables it reads, its
// roles, ports and health paths, and to the schemas of Kubernetes and Prometheus.
package deploy
