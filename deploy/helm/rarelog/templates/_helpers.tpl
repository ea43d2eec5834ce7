{{/*
=================================================================================================
Names and labels
=================================================================================================
*/}}

{{/* Chart name, or nameOverride. */}}
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

{{/* "<chart>-<version>" for the helm.sh/chart label. */}}
{{- define "rarelog.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Name of one component's resources. Argument: dict "root" "component". */}}
{{- define "rarelog.componentName" -}}
{{- printf "%s-%s" (include "rarelog.fullname" .root) .component -}}
{{- end -}}

{{/* Labels selecting every pod of the release. Argument: the root context. */}}
{{- define "rarelog.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "rarelog.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels selecting one component's pods. Argument: dict "root" "component". */}}
{{- define "rarelog.selectorLabels" -}}
{{ include "rarelog.releaseSelectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Every label of one component's resources. Argument: dict "root" "component". */}}
{{- define "rarelog.labels" -}}
helm.sh/chart: {{ include "rarelog.chart" .root }}
{{ include "rarelog.selectorLabels" . }}
app.kubernetes.io/part-of: rarelog
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
The four services: values key -> Kubernetes name, the topic whose consumer lag measures the
backlog (KEDA) and whether the service may run several replicas.
*/}}
{{- define "rarelog.components" -}}
ingest:
  name: ingest
  input: registry.intake.submissions
  scalable: true
pseudonymizer:
  name: pseudonymizer
  input: registry.intake.records
  scalable: true
reconciler:
  name: reconciler
  input: registry.pseudonymized.records
  scalable: false
registryStore:
  name: registry-store
  input: registry.patient.events
  scalable: true
{{- end -}}

{{/*
=================================================================================================
Image, service account, hardening
=================================================================================================
*/}}

{{/* The image reference: [registry/]repository, then @digest, else :tag (default appVersion). */}}
{{- define "rarelog.image" -}}
{{- $repository := .Values.image.repository -}}
{{- with .Values.image.registry -}}
{{- $repository = printf "%s/%s" . $repository -}}
{{- end -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{- define "rarelog.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "rarelog.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* imagePullSecrets, or nothing. Callers add it with `with` so that no blank line is left. */}}
{{- define "rarelog.imagePullSecrets" -}}
{{- with .Values.image.pullSecrets -}}
imagePullSecrets:
{{- range . }}
  - name: {{ . | quote }}
{{- end }}
{{- end -}}
{{- end -}}

{{/*
Pod-level security context. OnRootMismatch: the kubelet re-owns a volume's files only when its
root does not already belong to fsGroup. With the default (Always) it would add group
permissions to the reconciler's checkpoint on every start, and the reconciler reads only a
checkpoint no one else may access (mode 0600), so it would rebuild from the whole changelog.
*/}}
{{- define "rarelog.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.fsGroup }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container-level security context: fixed, not configurable. */}}
{{- define "rarelog.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
=================================================================================================
Kafka client settings
=================================================================================================
*/}}

{{/*
RARELOG_KAFKA_CLIENT_CONFIG: a JSON object of librdkafka settings. Argument: dict "root" "user"
(a key of kafka.sasl.users). Secrets never appear here: the SASL password is the reference
"$(RARELOG_KAFKA_SASL_PASSWORD)", which the kubelet replaces, when it starts the container,
with the variable of that name defined just before (from the Secret); TLS material is given as
paths to the mounted Secret.
*/}}
{{- define "rarelog.kafkaClientConfig" -}}
{{- $kafka := .root.Values.kafka -}}
{{- $config := deepCopy $kafka.clientConfig -}}
{{- if and $kafka.tls.enabled $kafka.sasl.enabled -}}
{{- $_ := set $config "security.protocol" "SASL_SSL" -}}
{{- else if $kafka.tls.enabled -}}
{{- $_ := set $config "security.protocol" "SSL" -}}
{{- else if $kafka.sasl.enabled -}}
{{- $_ := set $config "security.protocol" "SASL_PLAINTEXT" -}}
{{- end -}}
{{- if $kafka.tls.enabled -}}
{{- $_ := set $config "ssl.ca.location" "/etc/rarelog/kafka-tls/ca.crt" -}}
{{- $_ := set $config "ssl.endpoint.identification.algorithm" $kafka.tls.endpointIdentification -}}
{{- if $kafka.tls.certKey -}}
{{- $_ := set $config "ssl.certificate.location" "/etc/rarelog/kafka-tls/tls.crt" -}}
{{- $_ := set $config "ssl.key.location" "/etc/rarelog/kafka-tls/tls.key" -}}
{{- end -}}
{{- end -}}
{{- if $kafka.sasl.enabled -}}
{{- $user := index $kafka.sasl.users .user -}}
{{- $_ := set $config "sasl.mechanism" $kafka.sasl.mechanism -}}
{{- $_ := set $config "sasl.username" $user.username -}}
{{- $_ := set $config "sasl.password" "$(RARELOG_KAFKA_SASL_PASSWORD)" -}}
{{- end -}}
{{- toJson $config -}}
{{- end -}}

{{/* Kafka environment variables of a container. Argument: dict "root" "user". */}}
{{- define "rarelog.kafkaEnv" -}}
{{- $kafka := .root.Values.kafka -}}
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ $kafka.bootstrapServers | quote }}
- name: RARELOG_TOPIC_PREFIX
  value: {{ $kafka.topicPrefix | quote }}
{{- if $kafka.sasl.enabled }}
{{- $user := index $kafka.sasl.users .user }}
# Defined before RARELOG_KAFKA_CLIENT_CONFIG, which refers to it as $(RARELOG_KAFKA_SASL_PASSWORD).
- name: RARELOG_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "kafka.sasl.users.%s.passwordSecret.name is required with kafka.sasl.enabled" .user) $user.passwordSecret.name | quote }}
      key: {{ $user.passwordSecret.key | quote }}
{{- end }}
- name: RARELOG_KAFKA_CLIENT_CONFIG
  value: {{ include "rarelog.kafkaClientConfig" . | toJson }}
{{- end -}}

{{/* The TLS Secret's mount, when TLS is on. Argument: the root context. */}}
{{- define "rarelog.kafkaTlsVolumeMount" -}}
{{- if .Values.kafka.tls.enabled -}}
- name: kafka-tls
  mountPath: /etc/rarelog/kafka-tls
  readOnly: true
{{- end -}}
{{- end -}}

{{/* The TLS Secret as a volume: its keys under fixed file names, readable by fsGroup only. */}}
{{- define "rarelog.kafkaTlsVolume" -}}
{{- $tls := .Values.kafka.tls -}}
{{- if $tls.enabled -}}
- name: kafka-tls
  secret:
    secretName: {{ required "kafka.tls.existingSecret is required with kafka.tls.enabled" $tls.existingSecret | quote }}
    defaultMode: 288 # 0440
    items:
      - key: {{ $tls.caKey | quote }}
        path: ca.crt
      {{- if $tls.certKey }}
      - key: {{ $tls.certKey | quote }}
        path: tls.crt
      - key: {{ required "kafka.tls.keyKey is required with kafka.tls.certKey" $tls.keyKey | quote }}
        path: tls.key
      {{- end }}
{{- end -}}
{{- end -}}

{{/*
The Kafka principal of a workload, for the ACLs. Argument: dict "root" "workload" (a key of
kafka.acls.principals). Defaults to "User:<SASL username>".
*/}}
{{- define "rarelog.principal" -}}
{{- $kafka := .root.Values.kafka -}}
{{- $explicit := index $kafka.acls.principals .workload -}}
{{- if $explicit -}}
{{- $explicit -}}
{{- else if and $kafka.sasl.enabled (hasKey $kafka.sasl.users .workload) -}}
{{- printf "User:%s" (index $kafka.sasl.users .workload).username -}}
{{- else -}}
{{- fail (printf "kafka.acls.principals.%s is required with kafka.acls.apply (it defaults to the SASL username only with kafka.sasl.enabled)" .workload) -}}
{{- end -}}
{{- end -}}

{{/*
=================================================================================================
Environment shared by the services
=================================================================================================
*/}}

{{/*
OpenTelemetry variables. Argument: dict "root" "component". K8S_POD_NAME and K8S_NAMESPACE are
defined first because OTEL_RESOURCE_ATTRIBUTES refers to them.
*/}}
{{- define "rarelog.otelEnv" -}}
{{- $telemetry := .root.Values.telemetry -}}
- name: K8S_POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: K8S_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: OTEL_SERVICE_NAME
  value: {{ printf "rarelog-%s" .component | quote }}
{{- $attributes := list "service.namespace=rarelog" (printf "service.version=%s" .root.Chart.AppVersion) "k8s.namespace.name=$(K8S_NAMESPACE)" "k8s.pod.name=$(K8S_POD_NAME)" }}
{{- range $name, $value := $telemetry.resourceAttributes }}
{{- $attributes = append $attributes (printf "%s=%s" $name $value) }}
{{- end }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ join "," $attributes | quote }}
{{- with $telemetry.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ $telemetry.otlpProtocol | quote }}
{{- end }}
{{- end -}}

{{/* Settings every command-line container (service or Job) shares. Argument: the root context. */}}
{{- define "rarelog.commonEnv" -}}
- name: RARELOG_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- with .Values.schemaRegistry.url }}
- name: RARELOG_SCHEMA_REGISTRY_URL
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* DATABASE_URL from the existing Secret. Argument: the root context. */}}
{{- define "rarelog.databaseEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.urlSecret.name | quote }}
      key: {{ .Values.database.urlSecret.key | quote }}
- name: RARELOG_WAREHOUSE_SCHEMA
  value: {{ .Values.database.warehouseSchema | quote }}
- name: RARELOG_ANALYTICS_SCHEMA
  value: {{ .Values.database.analyticsSchema | quote }}
{{- end -}}

{{/*
=================================================================================================
Network policy peers
=================================================================================================
*/}}

{{/*
The peers of one destination (networkPolicy.kafka, .postgresql, ...): an ipBlock per CIDR, and
one selector peer when a namespace and/or pod selector is given. Empty: no peer at all, which
the callers render as "anywhere" (no `to`).
*/}}
{{- define "rarelog.networkPeers" -}}
{{- $peers := list -}}
{{- range .cidrs -}}
{{- $peers = append $peers (dict "ipBlock" (dict "cidr" .)) -}}
{{- end -}}
{{- if or .namespaceSelector .podSelector -}}
{{- $peer := dict -}}
{{- with .namespaceSelector -}}
{{- $_ := set $peer "namespaceSelector" (dict "matchLabels" .) -}}
{{- end -}}
{{- with .podSelector -}}
{{- $_ := set $peer "podSelector" (dict "matchLabels" .) -}}
{{- end -}}
{{- $peers = append $peers $peer -}}
{{- end -}}
{{- if $peers -}}
{{- toYaml $peers -}}
{{- end -}}
{{- end -}}

{{/* One egress rule to a destination of networkPolicy. Argument: that destination's values. */}}
{{- define "rarelog.egressRule" -}}
{{- $peers := include "rarelog.networkPeers" . -}}
- ports:
    {{- range .ports }}
    - port: {{ .port }}
      protocol: {{ .protocol }}
    {{- end }}
  {{- if $peers }}
  to:
    {{- $peers | nindent 4 }}
  {{- end }}
{{- end -}}

{{/*
=================================================================================================
Checks of combinations the schema cannot express
=================================================================================================
*/}}
{{- define "rarelog.validate" -}}
{{- range $key := list "ingest" "pseudonymizer" -}}
{{- $autoscaling := (index $.Values $key).autoscaling -}}
{{- if and $autoscaling.hpa.enabled $autoscaling.keda.enabled -}}
{{- fail (printf "%s.autoscaling: hpa and keda cannot both be enabled (KEDA creates its own HorizontalPodAutoscaler)" $key) -}}
{{- end -}}
{{- if and $autoscaling.keda.enabled $.Values.kafka.sasl.enabled (not $.Values.keda.sasl.existingSecret) -}}
{{- fail (printf "%s.autoscaling.keda with kafka.sasl.enabled needs keda.sasl.existingSecret: KEDA reads the lag with a principal of its own" $key) -}}
{{- end -}}
{{- end -}}
{{- range $key := list "ingest" "pseudonymizer" "registryStore" -}}
{{- $hpa := (index $.Values $key).autoscaling.hpa -}}
{{- if and $hpa.enabled (gt (int $hpa.minReplicas) (int $hpa.maxReplicas)) -}}
{{- fail (printf "%s.autoscaling.hpa: minReplicas exceeds maxReplicas" $key) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.kafka.acls.apply (not .Values.hooks.topics.enabled) -}}
{{- fail "kafka.acls.apply needs hooks.topics.enabled: the topic Job applies the ACLs" -}}
{{- end -}}
{{- if gt (float64 .Values.reconciler.reviewProbability) (float64 .Values.reconciler.linkProbability) -}}
{{- fail "reconciler.reviewProbability must not exceed reconciler.linkProbability" -}}
{{- end -}}
{{- end -}}

{{/*
=================================================================================================
Kafka ACLs
=================================================================================================
*/}}

{{/*
The ACL bindings the topic Job applies with kafka.acls.apply, as JSON (the format
`rarelog topics create --acls FILE` reads; documented in the chart README):
  {"bindings": [{"principal", "host", "operation", "permission", "resource_type",
                 "resource_name", "pattern_type"}, ...],
   "exclusive_read_topics": [...]}
Names are confluent_kafka's AclOperation, AclPermissionType, ResourceType and
ResourcePatternType members. Only ALLOW bindings: with an authorizer, what is not allowed is
denied. Each workload gets what it does and nothing more; READ on an identified topic only to
the one service consuming it (and, on their dead letters, the reject handlers).
`exclusive_read_topics`: after applying, the Job fails if any other principal may read them.
*/}}
{{- define "rarelog.aclDocument" -}}
{{- $root := . -}}
{{- $p := .Values.kafka.topicPrefix -}}
{{- $submissions := printf "%sregistry.intake.submissions" $p -}}
{{- $records := printf "%sregistry.intake.records" $p -}}
{{- $pseudonymised := printf "%sregistry.pseudonymized.records" $p -}}
{{- $reviews := printf "%sregistry.linkage.reviews" $p -}}
{{- $events := printf "%sregistry.patient.events" $p -}}
{{- $changelog := printf "%sregistry.reconciler.changelog" $p -}}
{{- $deaths := printf "%sregistry.deaths.pseudonymized" $p -}}
{{- $outcomes := printf "%sregistry.deaths.outcomes" $p -}}
{{- $dataKeys := printf "%sregistry.keys.records" $p -}}
{{- $ingest := include "rarelog.principal" (dict "root" $root "workload" "ingest") -}}
{{- $pseudonymizer := include "rarelog.principal" (dict "root" $root "workload" "pseudonymizer") -}}
{{- $reconciler := include "rarelog.principal" (dict "root" $root "workload" "reconciler") -}}
{{- $store := include "rarelog.principal" (dict "root" $root "workload" "registryStore") -}}
{{- /* [principal, operation, resource type, name, pattern type] */ -}}
{{- $rows := list
  (list $ingest "READ" "TOPIC" $submissions "LITERAL")
  (list $ingest "WRITE" "TOPIC" $records "LITERAL")
  (list $ingest "WRITE" "TOPIC" (printf "%s.dlq" $submissions) "LITERAL")
  (list $ingest "READ" "GROUP" (printf "%srarelog-ingest" $p) "LITERAL")
  (list $ingest "WRITE" "TRANSACTIONAL_ID" (printf "%srarelog-ingest-" $p) "PREFIXED")
  (list $pseudonymizer "READ" "TOPIC" $records "LITERAL")
  (list $pseudonymizer "READ" "TOPIC" $dataKeys "LITERAL")
  (list $pseudonymizer "WRITE" "TOPIC" $dataKeys "LITERAL")
  (list $pseudonymizer "READ" "GROUP" "rarelog-topic-reader" "LITERAL")
  (list $pseudonymizer "WRITE" "TOPIC" $pseudonymised "LITERAL")
  (list $pseudonymizer "WRITE" "TOPIC" (printf "%s.dlq" $records) "LITERAL")
  (list $pseudonymizer "READ" "GROUP" (printf "%srarelog-pseudonymizer" $p) "LITERAL")
  (list $pseudonymizer "WRITE" "TRANSACTIONAL_ID" (printf "%srarelog-pseudonymizer-" $p) "PREFIXED")
  (list $pseudonymizer "READ" "TOPIC" $events "LITERAL")
  (list $pseudonymizer "DELETE" "TOPIC" $submissions "LITERAL")
  (list $pseudonymizer "DELETE" "TOPIC" $records "LITERAL")
  (list $pseudonymizer "READ" "TOPIC" (printf "%s.dlq" $submissions) "LITERAL")
  (list $pseudonymizer "WRITE" "TOPIC" (printf "%s.dlq" $submissions) "LITERAL")
  (list $pseudonymizer "DELETE" "TOPIC" (printf "%s.dlq" $submissions) "LITERAL")
  (list $pseudonymizer "READ" "TOPIC" (printf "%s.dlq" $records) "LITERAL")
  (list $pseudonymizer "DELETE" "TOPIC" (printf "%s.dlq" $records) "LITERAL")
  (list $pseudonymizer "DESCRIBE" "GROUP" (printf "%srarelog-ingest" $p) "LITERAL")
  (list $pseudonymizer "DELETE" "TOPIC" $deaths "LITERAL")
  (list $pseudonymizer "DESCRIBE" "GROUP" (printf "%srarelog-reconciler" $p) "LITERAL")
  (list $pseudonymizer "READ" "GROUP" "rarelog-intake-purge" "LITERAL")
  (list $reconciler "READ" "TOPIC" $pseudonymised "LITERAL")
  (list $reconciler "READ" "TOPIC" $reviews "LITERAL")
  (list $reconciler "READ" "TOPIC" $changelog "LITERAL")
  (list $reconciler "READ" "TOPIC" $deaths "LITERAL")
  (list $reconciler "READ" "TOPIC" $dataKeys "LITERAL")
  (list $reconciler "WRITE" "TOPIC" $dataKeys "LITERAL")
  (list $reconciler "WRITE" "TOPIC" $outcomes "LITERAL")
  (list $reconciler "WRITE" "TOPIC" (printf "%s.dlq" $deaths) "LITERAL")
  (list $reconciler "WRITE" "TOPIC" $changelog "LITERAL")
  (list $reconciler "WRITE" "TOPIC" $events "LITERAL")
  (list $reconciler "WRITE" "TOPIC" (printf "%s.dlq" $pseudonymised) "LITERAL")
  (list $reconciler "WRITE" "TOPIC" (printf "%s.dlq" $reviews) "LITERAL")
  (list $reconciler "READ" "GROUP" (printf "%srarelog-reconciler" $p) "LITERAL")
  (list $reconciler "WRITE" "TRANSACTIONAL_ID" (printf "%srarelog-reconciler-" $p) "PREFIXED")
  (list $store "READ" "TOPIC" $events "LITERAL")
  (list $store "READ" "TOPIC" $dataKeys "LITERAL")
  (list $store "READ" "GROUP" "rarelog-topic-reader" "LITERAL")
  (list $store "READ" "GROUP" (printf "%srarelog-registry-store" $p) "LITERAL")
-}}
{{- /* The changelog and dead letters are read by assignment under this (unprefixed) group id. */ -}}
{{- $rows = append $rows (list $reconciler "READ" "GROUP" "rarelog-topic-reader" "LITERAL") -}}
{{- if or .Values.ingest.autoscaling.keda.enabled .Values.pseudonymizer.autoscaling.keda.enabled -}}
{{- $lag := include "rarelog.principal" (dict "root" $root "workload" "lagReader") -}}
{{- /* DESCRIBE: offsets and positions, never the data. */ -}}
{{- $rows = append $rows (list $lag "DESCRIBE" "TOPIC" $submissions "LITERAL") -}}
{{- $rows = append $rows (list $lag "DESCRIBE" "TOPIC" $records "LITERAL") -}}
{{- $rows = append $rows (list $lag "DESCRIBE" "GROUP" (printf "%srarelog-ingest" $p) "LITERAL") -}}
{{- $rows = append $rows (list $lag "DESCRIBE" "GROUP" (printf "%srarelog-pseudonymizer" $p) "LITERAL") -}}
{{- end -}}
{{- range .Values.kafka.acls.submitters -}}
{{- $rows = append $rows (list . "WRITE" "TOPIC" $submissions "LITERAL") -}}
{{- end -}}
{{- range .Values.kafka.acls.deathImporters -}}
{{- $rows = append $rows (list . "WRITE" "TOPIC" $deaths "LITERAL") -}}
{{- $rows = append $rows (list . "READ" "TOPIC" $outcomes "LITERAL") -}}
{{- $rows = append $rows (list . "READ" "GROUP" (printf "%srarelog-deaths-import" $p) "LITERAL") -}}
{{- end -}}
{{- range .Values.kafka.acls.rejectHandlers -}}
{{- $rows = append $rows (list . "READ" "TOPIC" (printf "%s.dlq" $submissions) "LITERAL") -}}
{{- $rows = append $rows (list . "READ" "TOPIC" (printf "%s.dlq" $records) "LITERAL") -}}
{{- $rows = append $rows (list . "READ" "GROUP" "rarelog-topic-reader" "LITERAL") -}}
{{- end -}}
{{- $bindings := list -}}
{{- range $rows -}}
{{- $bindings = append $bindings (dict "principal" (index . 0) "host" "*" "operation" (index . 1) "permission" "ALLOW" "resource_type" (index . 2) "resource_name" (index . 3) "pattern_type" (index . 4)) -}}
{{- end -}}
{{- $exclusive := list $submissions (printf "%s.dlq" $submissions) $records (printf "%s.dlq" $records) -}}
{{- toPrettyJson (dict "bindings" $bindings "exclusive_read_topics" $exclusive) -}}
{{- end -}}

{{/* Pod-level settings shared by the hook Jobs. Argument: the root context. */}}
{{- define "rarelog.hookPodSpec" -}}
restartPolicy: Never
{{- with .Values.hooks.serviceAccountName }}
serviceAccountName: {{ . | quote }}
{{- end }}
automountServiceAccountToken: false
{{- with include "rarelog.imagePullSecrets" . }}
{{ . }}
{{- end }}
securityContext:
  {{- include "rarelog.podSecurityContext" . | nindent 2 }}
{{- end -}}
