{{/* Name of the chart's objects: the release name, or release-chart when they differ. */}}
{{- define "shop.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The region, required: every release serves exactly one region. */}}
{{- define "shop.region" -}}
{{- required "set region (the Azure region this cluster serves, e.g. --set region=eastus)" .Values.region -}}
{{- end -}}

{{- define "shop.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "shop.labels" -}}
{{ include "shop.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: slocheck
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
topology.slocheck.io/region: {{ include "shop.region" . }}
{{- end -}}

{{- define "shop.image" -}}
{{- printf "%s:%s" (required "set image.repository" .Values.image.repository) (.Values.image.tag | default .Chart.AppVersion | toString) -}}
{{- end -}}
