"""Every error text the embedded API server emits, copied verbatim from Kubernetes v1.35.

One module, fakeredis ``_msgs.py`` style: validators, Status constructors and
allocators format these constants and never write their own prose.  Sources are
cited per block (paths are in kubernetes/kubernetes).
"""

from __future__ import annotations

# --- field error types ------------------------------------------------------
# staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go
# (ErrorType constants: the StatusCause "reason" values, and ErrorType.String()).
CAUSE_NOT_FOUND = "FieldValueNotFound"
CAUSE_REQUIRED = "FieldValueRequired"
CAUSE_DUPLICATE = "FieldValueDuplicate"
CAUSE_INVALID = "FieldValueInvalid"
CAUSE_NOT_SUPPORTED = "FieldValueNotSupported"
CAUSE_FORBIDDEN = "FieldValueForbidden"
CAUSE_TOO_LONG = "FieldValueTooLong"
CAUSE_TOO_MANY = "FieldValueTooMany"
CAUSE_INTERNAL = "InternalError"

ERROR_TYPE_TEXT: dict[str, str] = {
    CAUSE_NOT_FOUND: "Not found",
    CAUSE_REQUIRED: "Required value",
    CAUSE_DUPLICATE: "Duplicate value",
    CAUSE_INVALID: "Invalid value",
    CAUSE_NOT_SUPPORTED: "Unsupported value",
    CAUSE_FORBIDDEN: "Forbidden",
    CAUSE_TOO_LONG: "Too long",
    CAUSE_TOO_MANY: "Too many",
    CAUSE_INTERNAL: "Internal error",
}

# field.NotSupported: detail = "supported values: " + quoted values joined by ", "
SUPPORTED_VALUES = "supported values: {values}"
# field.TooLong / field.TooMany details
TOO_LONG_BYTES = "must have at most {max} bytes"
TOO_MANY_ITEMS = "must have at most {max} items"

# --- apimachinery util/validation (validation.go) ----------------------------
DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_ERR = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1123_SUBDOMAIN_ERR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL_ERR = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
    "start with an alphabetic character, and end with an alphanumeric character"
)
MUST_NOT_CONTAIN_DOTS = "must not contain dots"
# util/validation.MaxLenError (DNS names) vs api/validate/content.MaxLenError (label keys/values)
MAX_LEN_CHARACTERS = "must be no more than {n} characters"
MAX_LEN_BYTES = "must be no more than {n} bytes"
INCLUSIVE_RANGE = "must be between {lo} and {hi}, inclusive"
EMPTY_ERROR = "must be non-empty"
PORT_NAME_CHARSET = "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
PORT_NAME_ONE_LETTER = "must contain at least one letter (a-z)"
PORT_NAME_CONSECUTIVE_HYPHENS = "must not contain consecutive hyphens"
PORT_NAME_HYPHEN_ENDS = "must not begin or end with a hyphen"
FQDN_TWO_SEGMENTS = "should be a domain with at least two segments separated by dots"

# staging/src/k8s.io/apimachinery/pkg/api/validate/content/kube.go
LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_KEY_ERR = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
LABEL_KEY_PREFIX_PART = "prefix part "
LABEL_KEY_NAME_PART = "name part "
LABEL_KEY_TOO_MANY_SLASHES_PREFIX = "a valid label key "
LABEL_KEY_TOO_MANY_SLASHES_SUFFIX = (
    " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
)
LABEL_VALUE_FMT = "(" + LABEL_KEY_FMT + ")?"
LABEL_VALUE_ERR = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)

# util/validation/ip.go
VALID_IP = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
VALID_IPV4 = "must be a valid IPv4 address"
VALID_IPV6 = "must be a valid IPv6 address"
VALID_CIDR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"

# pkg/apis/core/validation/validation.go ValidateNonSpecialIP
IP_UNSPECIFIED = "may not be unspecified ({ip})"
IP_LOOPBACK = "may not be in the loopback range (127.0.0.0/8, ::1/128)"
IP_LINK_LOCAL = "may not be in the link-local range (169.254.0.0/16, fe80::/10)"
IP_LINK_LOCAL_MULTICAST = "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"

# --- apimachinery api/validation (objectmeta.go, generic.go) ----------------
FIELD_IMMUTABLE = "field is immutable"
IS_NEGATIVE = "must be greater than or equal to 0"
NAME_REQUIRED = "name or generateName is required"
NAMESPACE_NOT_ALLOWED = "not allowed on this type"
RESOURCE_VERSION_FOR_UPDATE = "must be specified for an update"
GENERATION_DECREMENTED = "must not be decremented"
TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * (1 << 10)
# apimachinery/pkg/apis/meta/v1/validation/validation.go ValidateLabelSelectorRequirement
SELECTOR_VALUES_REQUIRED = "must be specified when `operator` is 'In' or 'NotIn'"
SELECTOR_VALUES_FORBIDDEN = "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
SELECTOR_BAD_OPERATOR = "not a valid selector operator"

# --- core validation (pkg/apis/core/validation/validation.go) ----------------
MUST_BE_ONE = "must be 1"
MUST_BE_GREATER_THAN_ZERO = "must be greater than 0"
HANDLER_REQUIRED = "must specify a handler type"
HANDLER_MORE_THAN_ONE = "may not specify more than 1 handler type"
NOT_SET_FOR_READINESS = "must not be set for readinessProbes"
RESTART_POLICY_NON_INIT = "may not be set for non-init containers"
POD_UPDATE_ADD_REMOVE_CONTAINERS = "pod updates may not add or remove containers"
POD_IMAGE_WHITESPACE = "must not have leading or trailing whitespace"
POD_UPDATABLE_FIELDS = (
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
)
POD_UPDATE_FORBIDDEN = "pod updates may not change fields other than {fields}\n{diff}"
ACTIVE_DEADLINE_LESS_THAN_PREVIOUS = "must be less than or equal to previous value"
ACTIVE_DEADLINE_TO_NIL = "must not update from a positive integer to nil value"
SELECTOR_DOES_NOT_MATCH = "`selector` does not match template `labels`"
EPHEMERAL_ON_CREATE = "cannot be set on create"
VOLUME_TYPE_REQUIRED = "must specify a volume type"
VOLUME_TYPE_MORE_THAN_ONE = "may not specify more than 1 volume type"
MOUNT_PATH_UNIQUE = "must be unique"
ENV_VAR_NAME_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*"
ENV_VAR_NAME_ERR = (
    "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', "
    "and must not start with a digit"
)
EPHEMERAL_IN_TEMPLATE = "ephemeral containers not allowed in pod template"

# Service
SVC_HEADLESS_LOADBALANCER = "may not be set to 'None' for LoadBalancer services"
SVC_HEADLESS_NODEPORT = "may not be set to 'None' for NodePort services"
SVC_NOT_FOR_EXTERNALNAME = "may not be set for ExternalName services"
SVC_AFFINITY_NONE_CONFIG = "must not be set when session affinity is None"
SVC_AFFINITY_CLIENTIP_REQUIRED = "when session affinity type is ClientIP"
SVC_AFFINITY_TIMEOUT = "must be greater than 0 and less than {max}"
MAX_CLIENT_IP_AFFINITY_SECONDS = 86400
SVC_NODEPORT_ON_CLUSTERIP = "may not be used when `type` is 'ClusterIP'"
SVC_ONLY_LOADBALANCER = "may only be used when `type` is 'LoadBalancer'"
SVC_ETP_NOT_EXTERNAL = "may only be set for externally-accessible services"
SVC_HCNP_ONLY_LOCAL_LB = "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"
SVC_CLUSTERIPS_FIRST_MATCH = "first value must match `clusterIP`"
SVC_CLUSTERIPS_EMPTY = "must be empty when `clusterIP` is not specified"
SVC_NONE_FIRST_ONLY = "'None' must be the first and only value"
SVC_CLUSTERIPS_MAX_TWO = "may only hold up to 2 values"
SVC_ONE_IP_PER_FAMILY = "may specify no more than one IP for each IP family"
SVC_EXPECTED_FAMILY = "expected an {family} value as indicated by `ipFamilies[{i}]`"
MAY_NOT_CHANGE_ONCE_SET = "may not change once set"
SVC_PRIMARY_CLUSTERIP_UNSET = "primary clusterIP can not be unset"
SVC_RELEASE_SECONDARY_IP = "must be set to 'SingleStack' when releasing the secondary clusterIP"
SVC_PRIMARY_FAMILY_UNSET = "primary ipFamily can not be unset"
SVC_RELEASE_SECONDARY_FAMILY = "must be set to 'SingleStack' when releasing the secondary ipFamily"
# pkg/registry/core/service/storage/alloc.go initIPFamilyFields
SVC_NOT_DUAL_STACK_CLUSTER = "this cluster is not configured for dual-stack services"
SVC_FAMILY_NOT_CONFIGURED = "not configured on this cluster"
SVC_IP_FAMILY_NOT_CONFIGURED = "{family} is not configured on this cluster"
SVC_SINGLESTACK_TWO_IPS = "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"
SVC_SINGLESTACK_TWO_FAMILIES = "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"
# alloc.go allocIPs / initNodePorts, with ipallocator and portallocator errors
SVC_FAILED_TO_ALLOCATE_IP = "failed to allocate IP {ip}: {reason}"
IP_ALREADY_ALLOCATED = "provided IP is already allocated"
IP_NOT_IN_RANGE = "the provided IP ({ip}) is not in the valid range. The range of valid IPs is {valid}"
IP_RANGE_FULL = "range is full"
FAILED_TO_ALLOCATE_SERVICE_IP = "failed to allocate a serviceIP: {reason}"
PORT_ALREADY_ALLOCATED = "provided port is already allocated"
PORT_NOT_IN_RANGE = "provided port is not in the valid range. The range of valid ports is {valid}"
PORT_RANGE_FULL = "range is full"
FAILED_TO_ALLOCATE_NODE_PORT = "failed to allocate a nodePort: {reason}"
# alloc.go allocHealthCheckNodePort (wrapped in errors.NewInternalError)
FAILED_TO_ALLOCATE_REQUESTED_HCNP = "failed to allocate requested HealthCheck NodePort {port}: {reason}"
FAILED_TO_ALLOCATE_HCNP = "failed to allocate a HealthCheck NodePort 0: {reason}"

# apps validation (pkg/apis/apps/validation/validation.go)
EMPTY_SELECTOR_DEPLOYMENT = "empty selector is invalid for deployment"
EMPTY_SELECTOR_STATEFULSET = "empty selector is not valid for statefulset."
INVALID_LABEL_SELECTOR = "invalid label selector"
ACTIVE_DEADLINE_REPLICASET = "activeDeadlineSeconds in ReplicaSet is not Supported"
ACTIVE_DEADLINE_STATEFULSET = "activeDeadlineSeconds in StatefulSet is not Supported"
MUST_NOT_BE_SPECIFIED = "must not be specified"
PROGRESS_DEADLINE_GT_MIN_READY = "must be greater than minReadySeconds"
ROLLING_UPDATE_ON_RECREATE = "may not be specified when strategy `type` is 'Recreate'"
ROLLING_UPDATE_NIL = "this should be defaulted and never be nil"
MAX_UNAVAILABLE_BOTH_ZERO = "may not be 0 when `maxSurge` is 0"
PERCENT_NOT_GT_100 = "must not be greater than 100%"
STS_POD_MANAGEMENT = "must be 'OrderedReady' or 'Parallel'"
STS_UPDATE_STRATEGY = "must be 'RollingUpdate' or 'OnDelete'"
STS_ROLLING_ONLY = "only allowed for updateStrategy 'RollingUpdate'"
STS_UPDATE_FORBIDDEN = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
    "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and "
    "'minReadySeconds' are forbidden"
)
PERCENT_FMT = "[0-9]+%"
PERCENT_ERR = "a valid percent string must be a numeric string followed by an ending '%'"

# discovery validation (pkg/apis/discovery/validation/validation.go)
EPS_AT_LEAST_ONE_ADDRESS = "must contain at least 1 address"

# --- api/errors StatusError messages (staging/.../api/errors/errors.go) -------
NOT_FOUND = '{resource} "{name}" not found'
ALREADY_EXISTS = '{resource} "{name}" already exists'
INVALID = '{kind} "{name}" is invalid: {errors}'
INVALID_NO_CAUSES = '{kind} "{name}" is invalid'
CONFLICT = 'Operation cannot be fulfilled on {resource} "{name}": {message}'
FORBIDDEN_NAMED = '{resource} "{name}" is forbidden: {reason}'
FORBIDDEN_UNNAMED = "{resource} is forbidden: {reason}"
FORBIDDEN_NO_RESOURCE = "forbidden: {reason}"
METHOD_NOT_SUPPORTED = '{action} is not supported on resources of kind "{resource}"'
TOO_LARGE = "Request entity too large: {message}"
INTERNAL_ERROR = "Internal error occurred: {message}"
TIMEOUT = "Timeout: {message}"
TOO_MANY_REQUESTS = "Too many requests: {message}"
# NewGenericServerResponse texts: what go-restful's 404/405 become through the
# apiserver's serviceErrorHandler (staging/.../apiserver/pkg/server/handler.go)
SERVER_COULD_NOT_FIND = "the server could not find the requested resource"
SERVER_METHOD_NOT_ALLOWED = "the server does not allow this method on the requested resource"
PAGE_NOT_FOUND_TEXT = "404 page not found\n"  # http.NotFound for paths outside every API group
UNAUTHORIZED = "Unauthorized"  # filters.Unauthorized: apierrors.NewUnauthorized("Unauthorized")
# storage: OptimisticLockErrorMsg (staging/.../apiserver/pkg/storage/errors.go)
OBJECT_MODIFIED = "the object has been modified; please apply your changes to the latest version and try again"
PRECONDITION_UID = "Precondition failed: UID in precondition: {want}, UID in object meta: {have}"
RESOURCE_VERSION_ON_CREATE = "resourceVersion should not be set on objects to be created"
# cacher watch_cache.go
TOO_OLD_RESOURCE_VERSION = "too old resource version: {requested} ({oldest})"
# handlers/rest.go limitedReadBody
LIMIT_IS = "limit is {limit}"
MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024
# handlers/rest.go transformDecodeError and serializer/json/meta.go Interpret
CANNOT_BE_HANDLED_AS = '{kind} in version "{version}" cannot be handled as a {into}: {error}'
OBJECT_UNRECOGNIZED = "the object provided is unrecognized (must be of type {into}): {error} ({summary})"
JSON_PARSE_ERROR = "couldn't get version/kind; json parse error: {error}"
EMPTY_BODY_SUMMARY = "<empty>"
# Go encoding/json error texts used in the above
GO_JSON_UNEXPECTED_END = "unexpected end of JSON input"
GO_JSON_INVALID_CHAR = "invalid character {char} {context}"
GO_JSON_CANNOT_UNMARSHAL = "json: cannot unmarshal {what} into Go struct field {field} of type {type}"
# rest/create.go, rest/update.go, handlers/rest.go checkName
NAMESPACE_MISMATCH = "the namespace of the provided object does not match the namespace sent on the request"
NAME_MISMATCH = "the name of the object ({obj}) does not match the name on the URL ({url})"
NAMESPACE_MISMATCH_UPDATE = (
    "the namespace of the object ({obj}) does not match the namespace on the request ({url})"
)
# plugin/pkg/admission/namespace/lifecycle/admission.go
NAMESPACE_TERMINATING = "unable to create new content in namespace {namespace} because it is being terminated"
NAMESPACE_TERMINATING_CAUSE = "namespace {namespace} is being terminated"
NAMESPACE_TERMINATING_CAUSE_TYPE = "NamespaceTerminating"
NAMESPACE_MAY_NOT_BE_DELETED = "this namespace may not be deleted"
IMMORTAL_NAMESPACES = ("default", "kube-system", "kube-public")
# handlers/responsewriters/errors.go forbiddenMessage
RBAC_FORBIDDEN_NAMESPACED = 'User "{user}" cannot {verb} resource "{resource}" in API group "{group}" in the namespace "{namespace}"'
RBAC_FORBIDDEN_CLUSTER = 'User "{user}" cannot {verb} resource "{resource}" in API group "{group}" at the cluster scope'
RBAC_FORBIDDEN_PATH = 'User "{user}" cannot {verb} path "{path}"'
# handlers/patch.go + handlers/negotiation errUnsupportedMediaType
UNSUPPORTED_PATCH_TYPE = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json, "
    "application/strategic-merge-patch+json, application/apply-patch+yaml"
)

# --- request options (query parameters) ------------------------------------------
# strconv.ParseInt / ParseUint errors (Go's strconv: `strconv.ParseInt: parsing "x": invalid syntax`)
PARSE_INT_SYNTAX = "strconv.ParseInt: parsing {value}: invalid syntax"
PARSE_INT_RANGE = "strconv.ParseInt: parsing {value}: value out of range"
PARSE_UINT_SYNTAX = "strconv.ParseUint: parsing {value}: invalid syntax"
PARSE_UINT_RANGE = "strconv.ParseUint: parsing {value}: value out of range"
# apimachinery/pkg/apis/meta/v1/validation/validation.go
OPTIONS_GROUP = "meta.k8s.io"
INVALID_CHARACTER_AT = "invalid character {char} (at position {position})"
FORCE_FOR_NON_APPLY = "may not be specified for non-apply patch"
ORPHAN_AND_PROPAGATION = "orphanDependents and deletionPropagation cannot be both set"
# apimachinery/pkg/apis/meta/internalversion/validation/validation.go ValidateListOptions
MATCH_FORBIDDEN_WITHOUT_VERSION = "resourceVersionMatch is forbidden unless resourceVersion is provided"
MATCH_FORBIDDEN_WITH_CONTINUE = "resourceVersionMatch is forbidden when continue is provided"
MATCH_EXACT_FORBIDDEN_FOR_ZERO = 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'
SEND_INITIAL_EVENTS_FORBIDDEN_FOR_LIST = "sendInitialEvents is forbidden for list"
SEND_INITIAL_EVENTS_REQUIRES_MATCH = "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
MATCH_FORBIDDEN_FOR_WATCH = "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"
# registry/generic/registry/store.go: Create with generateName, and AlreadyExists of an object being deleted
MAX_NAME_GENERATION_CREATE_ATTEMPTS = 8
GENERATE_NAME_CONFLICT = '{resource} "{name}" already exists, the server was not able to generate a unique name for the object'
OBJECT_BEING_DELETED = "object is being deleted: {message}"
# pkg/apis/autoscaling/validation/validation.go ValidateScale (the scale subresource)
SCALE_GROUP = "autoscaling"
# handlers/rest.go: a YAML body, through sigs.k8s.io/yaml (go-yaml v2 decoder's alias budget)
YAML_TO_JSON = "error converting YAML to JSON: {error}"
YAML_EXCESSIVE_ALIASING = "yaml: document contains excessive aliasing"
YAML_ANCHOR_CONTAINS_ITSELF = "yaml: anchor value contains itself"
JSON_UNSUPPORTED_VALUE = "json: unsupported value: {value}"
# pkg/apis/core/validation/validation.go: Node, pod status
NODE_PODCIDRS_ONE_PER_FAMILY = "may specify no more than one CIDR for each IP family"
NODE_PODCIDR_CHANGE = 'node updates may not change podCIDR except from "" to valid'
NODE_PROVIDERID_CHANGE = 'node updates may not change providerID except from "" to valid'
NODE_EXTERNALID_UPDATE = "may not be updated"
TAINTS_UNIQUE = "taints must be unique by key and effect pair"
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
MAY_NOT_BE_CHANGED_DIRECTLY = "may not be changed directly"
MUST_BE_INTEGER = "must be an integer"
EVENT_NAMESPACE_MISMATCH = "does not match event.namespace"  # pkg/apis/core/validation/events.go
POD_IPS_ONE_PER_FAMILY = "may specify no more than one IP for each IP family"

# StatusReason strings (staging/.../apis/meta/v1/types.go)
REASON_NOT_FOUND = "NotFound"
REASON_ALREADY_EXISTS = "AlreadyExists"
REASON_CONFLICT = "Conflict"
REASON_INVALID = "Invalid"
REASON_BAD_REQUEST = "BadRequest"
REASON_METHOD_NOT_ALLOWED = "MethodNotAllowed"
REASON_UNAUTHORIZED = "Unauthorized"
REASON_FORBIDDEN = "Forbidden"
REASON_GONE = "Gone"
REASON_EXPIRED = "Expired"
REASON_TOO_LARGE = "RequestEntityTooLarge"
REASON_UNSUPPORTED_MEDIA_TYPE = "UnsupportedMediaType"
REASON_INTERNAL_ERROR = "InternalError"
REASON_TIMEOUT = "Timeout"
REASON_SERVICE_UNAVAILABLE = "ServiceUnavailable"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """util/validation.RegexError."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def dns1123_label_regex_error() -> str:
    return regex_error(DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, "my-name", "123-abc")


def dns1123_subdomain_regex_error() -> str:
    return regex_error(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, "example.com")


def dns1035_label_regex_error() -> str:
    return regex_error(DNS1035_LABEL_ERR, DNS1035_LABEL_FMT, "my-name", "abc-123")


def label_key_regex_error() -> str:
    return regex_error(LABEL_KEY_ERR, LABEL_KEY_FMT, "MyName", "my.name", "123-abc")


def label_value_regex_error() -> str:
    return regex_error(LABEL_VALUE_ERR, LABEL_VALUE_FMT, "MyValue", "my_value", "12345")


def percent_regex_error() -> str:
    return regex_error(PERCENT_ERR, PERCENT_FMT, "1%", "93%")


def inclusive_range(lo: int, hi: int) -> str:
    return INCLUSIVE_RANGE.format(lo=lo, hi=hi)

# Warning headers (pkg/registry/core/endpoint/strategy.go, v1.33+)
ENDPOINTS_DEPRECATED = "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"

# List paging (apiserver pkg/storage/continue.go, pkg/storage/etcd3/errors.go, pkg/storage/interfaces.go ValidateListOptions)
CONTINUE_EXPIRED = ("The provided continue parameter is too old to display a consistent list result. "
                    "You can start a new list without the continue parameter.")
CONTINUE_INCONSISTENT = ("The provided continue parameter is too old to display a consistent list result. You can start a new "
                         "list without the continue parameter, or use the continue token in this response to retrieve the "
                         "remainder of the results. Continuing with the provided token results in an inconsistent list - "
                         "objects that were created, modified, or deleted between the time the first chunk was returned and "
                         "now may show up in the list.")
INVALID_CONTINUE_TOKEN = "invalid continue token: {error}"
CONTINUE_GENERIC_INVALID = "continue key is not valid"
CONTINUE_INVALID_START_RV = "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
CONTINUE_EMPTY_START_KEY = "continue key is not valid: encoded start key empty (version meta.k8s.io/v1)"
CONTINUE_UNRECOGNIZED_VERSION = "continue key is not valid: server does not recognize this encoded version"
CONTINUE_WITH_RESOURCE_VERSION = "specifying resource version is not allowed when using continue"
