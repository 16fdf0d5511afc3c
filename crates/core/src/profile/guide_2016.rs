//! The 2016 guide's Kubernetes v1.2 worker: the facts its files are made of (images and the
//! SkyDNS release). The documents themselves are in `render/` (kubelet, kube_proxy, skydns).

/// The guide's kube-proxy image (Kubernetes v1.2.2, CoreOS hyperkube).
pub const KUBE_PROXY_IMAGE: &str = "quay.io/coreos/hyperkube:v1.2.2_coreos.0";

/// The SkyDNS add-on release the guide installs.
pub const DNS_VERSION: &str = "v11";

/// The SkyDNS pod's images: etcd, kube2sky, skydns and the health checker.
pub const DNS_ETCD_IMAGE: &str = "gcr.io/google_containers/etcd-amd64:2.2.1";
pub const DNS_KUBE2SKY_IMAGE: &str = "gcr.io/google_containers/kube2sky:1.14";
pub const DNS_SKYDNS_IMAGE: &str = "gcr.io/google_containers/skydns:2015-10-13-8c72f8c";
pub const DNS_HEALTHZ_IMAGE: &str = "gcr.io/google_containers/exechealthz:1.0";
