{{/*
Chart name, or nameOverride.
*/}}
{{- define "rarelog.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/*
Prefix of every resource name: fullnameOverride, else "<release>-<name>" (just the release name
when it already contains the chart name). Kept to 40 characters so that "-registry-store" and
the pod suffixes still fit in 63.
*/}}
{{- define "rarelog.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
"<chart>-<version>" for the helm.sh/chart label.
*/}}
{{- define "rarelog.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Labels that select one service's pods. Argument: dict "root" (the top context) "component"
(the service name).
*/}}
{{- define "rarelog.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rarelog.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/*
All labels of one service's resources. Same argument as rarelog.selectorLabels.
*/}}
{{- define "rarelog.labels" -}}
helm.sh/chart: {{ include "rarelog.chart" .root }}
{{ include "rarelog.selectorLabels" . }}
app.kubernetes.io/part-of: rarelog
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end -}}

{{/*
The image reference; the tag defaults to the chart's appVersion.
*/}}
{{- define "rarelog.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
