/*
 * lib$routines.h -- L1/L2 shim (self-written; not the VMS header).
 */
#ifndef MS_SHIM_LIB_ROUTINES_H
#define MS_SHIM_LIB_ROUTINES_H

/*
 * LIB$CREATE_DIR device-directory-spec [,owner-UIC] [,protection-enable]
 *     [,protection-value] [,maximum-versions] [,relative-volume-number]
 * Creates every missing level; SS$_CREATED if it made one, SS$_NORMAL
 * if all existed.  Optional arguments are passed by reference.
 */
unsigned int lib$create_dir(void *devdir, ...);

#endif /* MS_SHIM_LIB_ROUTINES_H */
