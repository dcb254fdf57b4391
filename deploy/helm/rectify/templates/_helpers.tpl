{{/* The release's name for its objects: "rectify" for a release named rectify (the
names deploy/kubernetes uses), else "<release>-rectify". */}}
{{- define "rectify.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels every object carries. */}}
{{- define "rectify.labels" -}}
app.kubernetes.io/name: rectify
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The labels that select one component's pods: pass (list $ "server"). */}}
{{- define "rectify.selector" -}}
app.kubernetes.io/name: rectify
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "rectify.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The frontend every worker and web pod dials. */}}
{{- define "rectify.frontend" -}}
{{ include "rectify.fullname" . }}-frontend:7233
{{- end -}}

{{/* rectify's pods meet the restricted Pod Security Standard as the image's user. */}}
{{- define "rectify.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "rectify.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* Probes on a named port: /healthz for liveness, /readyz for readiness. */}}
{{- define "rectify.probes" -}}
livenessProbe:
  httpGet:
    path: /healthz
    port: {{ . }}
  periodSeconds: 10
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /readyz
    port: {{ . }}
  periodSeconds: 5
  failureThreshold: 2
{{- end -}}

{{/* The env, mounts and volumes of the worker and web pods: the shared ConfigMap,
the reporting store, the users file and the payload keys. */}}
{{- define "rectify.clientEnv" -}}
- name: RECTIFY_STORE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.database }}
      key: store-url
- name: RECTIFY_METRICS_ADDR
  value: 0.0.0.0:9090
- name: RECTIFY_PAYLOAD_KEY_FILE
  value: /etc/rectify/payload/payload.keys
- name: RECTIFY_USERS
  value: /etc/rectify/users/users.json
{{- end -}}

{{- define "rectify.clientMounts" -}}
- name: payload-keys
  mountPath: /etc/rectify/payload
  readOnly: true
- name: users
  mountPath: /etc/rectify/users
  readOnly: true
- name: data
  mountPath: /data
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "rectify.clientVolumes" -}}
# Group-readable by fsGroup 65532 only (docs/security.md).
- name: payload-keys
  secret:
    secretName: {{ .Values.secrets.payloadKeys }}
    defaultMode: 0440
    items:
      - key: payload.keys
        path: payload.keys
- name: users
  secret:
    secretName: {{ .Values.secrets.users }}
    items:
      - key: users.json
        path: users.json
- name: data
  emptyDir: {}
{{- end -}}

{{- define "rectify.placement" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
