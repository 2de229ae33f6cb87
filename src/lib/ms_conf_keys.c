/*
 * ms_conf_keys.c -- THE configuration schema: every key msgstore knows.
 *
 * One line per key: type, default (written as in msgstore.conf), and a
 * one-line description shown by `msgstore config show`.  Adding a key is
 * adding a line here and documenting it in config/msgstore.conf (the conf
 * unit suite fails until both agree).  Keys are lower case, dotted
 * (section.key) and kept grouped by section.  Defaults must be safe with
 * no configuration file at all.
 */
#include "ms_sys.h"
#include "ms_conf.h"

const struct ms_conf_key ms_conf_keys[] = {
	/* ---- store ---- */
	MS_CONF_KEY_STR("store.root", "./var",
		"directory that holds the message store"),
	MS_CONF_KEY_ENUM("store.backend", "native", "native|posix|rms|fault",
		"file-system back end (native: posix on Linux, rms on VMS)"),
	MS_CONF_KEY_STR("store.partitions", "",
		"more partitions: \"name=path, name=path\""),
	MS_CONF_KEY_UINT("store.fanout_depth", "2", 0, 3,
		"levels of hashed directories above account homes"),
	MS_CONF_KEY_ENUM("store.fanout_width", "256", "16|256",
		"directories per fan-out level"),
	MS_CONF_KEY_STR("store.default_domain", "localhost",
		"domain of an account name given without one"),
	MS_CONF_KEY_ENUM("store.placement", "most-free", "most-free|first",
		"partition a new account is placed on"),
	MS_CONF_KEY_SECS("store.lock_timeout", "30s", 1, 3600,
		"longest wait for an account or store lock"),

	/* ---- limits ---- */
	MS_CONF_KEY_UINT("limits.max_accounts", "0", 0, 4294967295U,
		"most accounts in the store (0 = no limit)"),
	MS_CONF_KEY_UINT("limits.max_imap_accounts", "0", 0, 4294967295U,
		"most accounts with the imap service (0 = no limit)"),
	MS_CONF_KEY_UINT("limits.max_pop_accounts", "0", 0, 4294967295U,
		"most accounts with the pop service (0 = no limit)"),

	/* ---- deliver ---- */
	MS_CONF_KEY_SIZE("deliver.max_size", "50M", 1, 0,
		"largest message local delivery accepts"),
	MS_CONF_KEY_BOOL("deliver.quota_tempfail", "yes",
		"over quota is a temporary failure (else permanent)"),
	MS_CONF_KEY_BOOL("deliver.return_path", "yes",
		"add Return-Path: <envelope sender> to delivered mail"),
	MS_CONF_KEY_BOOL("deliver.delivered_to", "yes",
		"add Delivered-To: <recipient> (also used to stop loops)"),
	MS_CONF_KEY_STR("deliver.subaddress_sep", "+",
		"characters separating user and folder (\"\" = off)"),
	MS_CONF_KEY_BOOL("deliver.subaddress_create", "no",
		"create the folder a subaddress names when missing"),
	MS_CONF_KEY_UINT("deliver.max_hops", "50", 1, 1000,
		"Received/Delivered-To fields beyond which mail loops"),

	/* ---- sieve ---- */
	MS_CONF_KEY_UINT("sieve.max_scripts", "20", 1, 10000,
		"most Sieve scripts one account may keep"),
	MS_CONF_KEY_SIZE("sieve.max_script_size", "1M", 1, 1048576,
		"largest Sieve script (never above 1M)"),
	MS_CONF_KEY_SIZE("sieve.quota", "10M", 1, 0,
		"bytes all of one account's Sieve scripts may take"),
	MS_CONF_KEY_ENUM("sieve.redirect_sender", "original",
		"original|user|null",
		"envelope sender of redirected mail"),
	MS_CONF_KEY_BOOL("sieve.enabled", "yes",
		"run Sieve scripts at delivery"),
	MS_CONF_KEY_LIST("sieve.before", "", NULL,
		"site script files run before the user's script"),
	MS_CONF_KEY_LIST("sieve.after", "", NULL,
		"site script files run after the user's script"),
	MS_CONF_KEY_STR("sieve.global_dir", "",
		"directory of scripts for include :global (\"\" = none)"),
	MS_CONF_KEY_BOOL("sieve.report_errors", "no",
		"tell users in INBOX when their script fails (daily)"),
	MS_CONF_KEY_STR("sieve.spam_header", "X-Spam-Status",
		"header spamtest reads (\"\" = spamtest never tested)"),
	MS_CONF_KEY_STR("sieve.virus_header", "",
		"header virustest reads (\"\" = virustest never tested)"),

	/* ---- auth ---- */
	MS_CONF_KEY_UINT("auth.pbkdf2_iterations", "100000", 1000, 100000000,
		"PBKDF2-SHA256 iterations for new password hashes"),
	MS_CONF_KEY_UINT("auth.scram_iterations", "4096", 4096, 100000000,
		"iterations of the stored SCRAM-SHA-1/-256 keys"),
	MS_CONF_KEY_BOOL("auth.keep_plain_secret", "no",
		"also keep a reversible secret (CRAM-MD5, APOP)"),
	MS_CONF_KEY_BOOL("auth.plaintext_without_tls", "no",
		"allow LOGIN and PLAIN before TLS on non-loopback "
		"connections"),
	MS_CONF_KEY_BOOL("auth.cram_md5", "no",
		"offer CRAM-MD5 (needs auth.keep_plain_secret)"),
	MS_CONF_KEY_SECS("auth.fail_delay", "2s", 0, 60,
		"delay before answering a failed login"),
	MS_CONF_KEY_UINT("auth.max_fail_per_ip", "20", 1, 1000000,
		"failed logins from one address before it is throttled"),
	MS_CONF_KEY_UINT("auth.max_fail_per_account", "10", 1, 1000000,
		"failed logins to one account before it is throttled"),
	MS_CONF_KEY_SECS("auth.throttle_window", "5m", 1, 86400,
		"window in which failed logins are counted"),
	MS_CONF_KEY_UINT("auth.password_min_length", "8", 1, 1024,
		"shortest password a user may set (poppassd, HTTP)"),

	/* ---- log ---- */
	MS_CONF_KEY_ENUM("log.sink", "stderr", "stderr|file|syslog",
		"where log lines go"),
	MS_CONF_KEY_STR("log.file", "",
		"log file for log.sink = file"),
	MS_CONF_KEY_ENUM("log.level", "info", "debug|info|warn|error",
		"lowest level that is logged"),
	MS_CONF_KEY_STR("log.ident", "msgstore",
		"program name for syslog and, on VMS, OPCOM"),
	MS_CONF_KEY_UINT("log.repeat_limit", "5", 0, 1000000,
		"identical lines logged per window before the rest are "
		"counted (0 = no limit)"),
	MS_CONF_KEY_SECS("log.repeat_window", "60s", 1, 86400,
		"window for log.repeat_limit"),

	/* ---- server ---- */
	MS_CONF_KEY_STR("server.user", "",
		"user to run as after binding ports (\"\" = do not drop "
		"privileges)"),
	MS_CONF_KEY_UINT("server.threads", "2", 1, 64,
		"event-loop threads in each service process"),
	MS_CONF_KEY_UINT("server.max_connections", "20000", 1, 1000000,
		"most connections one service holds at once"),
	MS_CONF_KEY_UINT("server.max_unauth", "1000", 1, 1000000,
		"most connections not yet logged in, per service"),
	MS_CONF_KEY_UINT("server.max_unauth_per_ip", "50", 1, 1000000,
		"most connections not yet logged in from one address"),
	MS_CONF_KEY_SECS("server.unauth_timeout", "60s", 1, 86400,
		"idle time before a connection not logged in is closed"),
	MS_CONF_KEY_SECS("server.auth_timeout", "30m", 60, 604800,
		"idle time before a logged-in connection is closed"),
	MS_CONF_KEY_SECS("server.restart_delay", "1s", 1, 3600,
		"wait before a crashed service is restarted"),
	MS_CONF_KEY_STR("server.first_account", "admin",
		"MANAGE account made when the store is empty (\"\" = none)"),

	/* ---- tls ---- */
	MS_CONF_KEY_STR("tls.cert", "",
		"PEM certificate chain (\"\" = self-signed, made under "
		"store.root)"),
	MS_CONF_KEY_STR("tls.key", "",
		"PEM private key of tls.cert"),
	MS_CONF_KEY_ENUM("tls.min_version", "1.2", "1.2|1.3",
		"oldest TLS version accepted"),
	MS_CONF_KEY_STR("tls.ciphers", "",
		"OpenSSL cipher list for TLS 1.2 (\"\" = OpenSSL default)"),

	/* ---- imap ---- */
	MS_CONF_KEY_STR("imap.listen", "127.0.0.1:1143",
		"IMAP (STARTTLS) listener, host:port (\"\" = off)"),
	MS_CONF_KEY_SIZE("imap.max_literal", "64M", 1024, 0,
		"largest literal (and APPENDLIMIT)"),
	MS_CONF_KEY_SIZE("imap.max_line", "64K", 1024, 1048576,
		"longest command line, literals excluded"),
	MS_CONF_KEY_SECS("imap.idle_poll", "1s", 1, 60,
		"how often IDLE and NOOP look for changes by others"),

	/* ---- imaps ---- */
	MS_CONF_KEY_STR("imaps.listen", "127.0.0.1:1993",
		"IMAP over implicit TLS listener (\"\" = off)"),

	/* ---- pop3 ---- */
	MS_CONF_KEY_STR("pop3.listen", "127.0.0.1:1110",
		"POP3 (STLS) listener (\"\" = off)"),
	MS_CONF_KEY_SECS("pop3.login_delay", "0s", 0, 86400,
		"least time between two POP3 logins of one account"),

	/* ---- pop3s ---- */
	MS_CONF_KEY_STR("pop3s.listen", "127.0.0.1:1995",
		"POP3 over implicit TLS listener (\"\" = off)"),

	/* ---- lmtp ---- */
	MS_CONF_KEY_STR("lmtp.listen", "127.0.0.1:2424",
		"LMTP listener (\"\" = off)"),
	MS_CONF_KEY_STR("lmtp.socket", "",
		"LMTP on a local (Unix) socket path (\"\" = off)"),
	MS_CONF_KEY_UINT("lmtp.max_recipients", "1000", 1, 100000,
		"most RCPT TO accepted in one transaction"),
	MS_CONF_KEY_UINT("lmtp.threads", "8", 1, 64,
		"event-loop threads of the LMTP service (deliveries wait)"),

	/* ---- socketmap ---- */
	MS_CONF_KEY_STR("socketmap.listen", "",
		"Postfix socketmap lookup listener (\"\" = off)"),
	MS_CONF_KEY_STR("socketmap.socket", "",
		"socketmap on a local (Unix) socket path (\"\" = off)"),

	/* ---- relay ---- */
	MS_CONF_KEY_STR("relay.host", "",
		"smart host for forwarding, host:port (\"\" = none)"),
	MS_CONF_KEY_STR("relay.helo", "",
		"name sent in EHLO to the smart host (\"\" = host name)"),
	MS_CONF_KEY_ENUM("relay.tls", "may", "no|may|must",
		"STARTTLS to the smart host: never, when offered, always"),
	MS_CONF_KEY_BOOL("relay.tls_verify", "no",
		"check the smart host's certificate and name"),
	MS_CONF_KEY_SECS("relay.timeout", "60s", 1, 3600,
		"wait for the connection and for each smart host reply"),
	MS_CONF_KEY_SECS("relay.max_time", "5m", 1, 86400,
		"longest one relayed transaction may take"),
	MS_CONF_KEY_SECS("relay.queue_interval", "60s", 0, 86400,
		"seconds between outbound queue runs (0 = no runner)"),
	MS_CONF_KEY_SECS("relay.queue_lifetime", "5d", 60, 31536000,
		"queued outbound mail older than this bounces"),

	/* ---- managesieve ---- */
	MS_CONF_KEY_STR("managesieve.listen", "",
		"ManageSieve listener (\"\" = off)"),

	/* ---- poppassd ---- */
	MS_CONF_KEY_STR("poppassd.listen", "",
		"poppassd listener (\"\" = off)"),
	MS_CONF_KEY_BOOL("poppassd.allow_remote", "no",
		"accept poppassd from other hosts (else loopback only)"),

	/* ---- http ---- */
	MS_CONF_KEY_STR("http.listen", "",
		"REST API listener, plain HTTP (\"\" = off)"),
	MS_CONF_KEY_BOOL("http.allow_remote", "no",
		"accept passwords over plain HTTP from other hosts"),
	MS_CONF_KEY_SIZE("http.max_body", "1M", 1024, 67108864,
		"largest request body the REST API reads"),
	MS_CONF_KEY_STR("https.listen", "",
		"REST API listener, HTTP over TLS (\"\" = off)"),

	MS_CONF_KEY_END
};
