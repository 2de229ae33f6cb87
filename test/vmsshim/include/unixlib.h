/*
 * unixlib.h -- L1/L2 shim (self-written; not the VMS header).
 * The DEC C RTL's feature-switch and file-name translation routines.
 */
#ifndef MS_SHIM_UNIXLIB_H
#define MS_SHIM_UNIXLIB_H

/* Feature switches (DECC$name): index by name, -1 if unknown.  mode 1
   is the current value.  set returns the previous value, -1 on error. */
int decc$feature_get_index(const char *name);
int decc$feature_get_value(int index, int mode);
int decc$feature_set_value(int index, int mode, int value);

/*
 * Translate a Unix-style name into VMS specs, calling action for each
 * (the spec, its kind, and the user data); returns how many were
 * translated, 0 on error.  no_directory 2 forces a directory result.
 */
int decc$to_vms(const char *unix_spec,
		int (*action)(char *vms_spec, int type, void *userdata),
		int allow_wild, int no_directory, ...);

#endif /* MS_SHIM_UNIXLIB_H */
