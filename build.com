$! BUILD.COM -- build msgstore on OpenVMS.
$!
$! Usage:  @BUILD [target] [DEBUG]       target: ALL (default) or CLEAN
$!
$! Runs MMS (or MMK, its free clone) on DESCRIP.MMS.  When neither is
$! installed it reads [.SRC]SOURCES.LIST -- the same list the Linux
$! Makefile reads and DESCRIP.MMS is generated from -- and compiles every
$! file itself.  Objects, the library and images go to [.OBJ_<arch>].
$! Exits with the status of the failing step (44, abort, when unknown).
$!
$! Status: written on Linux and not yet run on VMS (docs/porting-vms.md).
$!
$ on control_y then goto done
$ on warning then goto failed
$ status = 1
$ saved_default = f$environment("DEFAULT")
$ here = f$parse(f$environment("PROCEDURE"),,,"DEVICE") + -
	f$parse(f$environment("PROCEDURE"),,,"DIRECTORY")
$ set default 'here'
$!
$ target = f$edit(p1, "UPCASE,TRIM")
$ if target .eqs. "" then target = "ALL"
$ debug = f$edit(p2, "UPCASE,TRIM") .eqs. "DEBUG"
$ arch = f$edit(f$getsyi("ARCH_NAME"), "UPCASE")
$ obj = "[.OBJ_''arch']"
$ if f$search("OBJ_''arch'.DIR") .eqs. "" then create/directory 'obj'
$!
$! Dependencies: OpenSSL, zlib, Cyrus SASL and PCRE2 kits define these.
$ if f$trnlnm("SSL3$INCLUDE") .eqs. "" .and. f$trnlnm("OPENSSL") .eqs. ""
$ then
$   write sys$output "build: OpenSSL 3 is not set up (SSL3$INCLUDE)"
$   write sys$output "build: install the VSI OpenSSL 3 kit and run its startup"
$ endif
$!
$ macros = "ARCH=''arch'"
$ if debug then macros = macros + ",DEBUG=1"
$ if f$search("SYS$SYSTEM:MMS.EXE") .nes. ""
$ then
$   mms/description=descrip.mms/macro=("''macros'") 'target'
$   status = $status
$   goto done
$ endif
$ if f$type(mmk) .nes. ""
$ then
$   mmk/description=descrip.mms/macro=("''macros'") 'target'
$   status = $status
$   goto done
$ endif
$!
$! No MMS or MMK: compile from the source list.
$ if target .eqs. "CLEAN"
$ then
$   if f$search("''obj'*.*") .nes. "" then delete/nolog 'obj'*.*;*
$   goto done
$ endif
$ dbg = "/OPTIMIZE"
$ if debug then dbg = "/DEBUG/NOOPTIMIZE"
$! (tools/gen_descrip.py --check keeps this list equal to the src/ folders)
$ incl = "[.SRC.AUTH],[.SRC.CLI],[.SRC.HTTP],[.SRC.IMAP],[.SRC.LIB]," + -
	"[.SRC.LMTP],[.SRC.MANAGESIEVE],[.SRC.MIME],[.SRC.NET],[.SRC.POP3]," + -
	"[.SRC.POPPASSD],[.SRC.SERVER],[.SRC.SIEVE],[.SRC.STORE]," + -
	"[.PLATFORM.INCLUDE],[.INCLUDE]"
$ ccq = "/STANDARD=C99/NAMES=(AS_IS,SHORTENED)/FLOAT=IEEE_FLOAT" + -
	"/WARNINGS=(ENABLE=LEVEL4)/NOLIST" + dbg + -
	"/DEFINE=(_LARGEFILE,_USE_STD_STAT,_POSIX_EXIT,_SOCKADDR_LEN," + -
	"__NEW_STARLET)/INCLUDE=(" + incl + ")"
$ lib = obj + "MSGSTORE.OLB"
$ if f$search(lib) .eqs. "" then library/create/object 'lib'
$ progs = ""
$ open/read list [.SRC]SOURCES.LIST
$ next_line:
$   read/end_of_file=list_done list line
$   line = f$edit(line, "COMPRESS,TRIM")
$   if line .eqs. "" .or. f$extract(0, 1, line) .eqs. "#" then goto next_line
$   group = f$element(0, " ", line)
$   path = f$element(1, " ", line)
$   if group .eqs. "plat_linux" then goto next_line
$   dir = f$element(0, "/", path)
$   n = 1
$ dir_loop:
$   part = f$element(n + 1, "/", path)
$   if part .eqs. "/" then goto dir_done
$   dir = dir + "." + f$element(n, "/", path)
$   n = n + 1
$   goto dir_loop
$ dir_done:
$   file = f$element(n, "/", path)
$   name = f$parse(file,,,"NAME")
$   write sys$output "CC ''path'"
$   cc 'ccq' /object='obj''name'.OBJ [.'dir']'file'
$   if f$extract(0, 5, group) .eqs. "prog_"
$   then
$     prog = f$extract(5, 99, group)
$     if f$type('prog'_objs) .eqs. ""
$     then
$       'prog'_objs = obj + name + ".OBJ"
$       progs = progs + prog + ","
$     else
$       'prog'_objs = 'prog'_objs + "," + obj + name + ".OBJ"
$     endif
$   else
$     library/replace/object 'lib' 'obj''name'.OBJ
$   endif
$   goto next_line
$ list_done:
$ close list
$ n = 0
$ link_loop:
$   prog = f$element(n, ",", progs)
$   if prog .eqs. "," .or. prog .eqs. "" then goto link_done
$   objs = 'prog'_objs
$   link/executable='obj''prog'.EXE/threads_enable 'objs', -
	'lib'/library, [.PLATFORM.VMS]MSGSTORE.OPT/OPTIONS
$   n = n + 1
$   goto link_loop
$ link_done:
$ status = 1
$ goto done
$!
$ failed:
$ status = $status
$ if status .and. 1 then status = 44
$ done:
$ if f$trnlnm("LIST") .nes. "" then close list
$ set default 'saved_default'
$ exit status
