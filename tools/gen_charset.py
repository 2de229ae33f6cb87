#!/usr/bin/env python3
"""gen_charset.py -- emit the upper-half tables of src/lib/ms_charset.c from Python's codecs
(generated from the Unicode Consortium mapping files).  Bytes a codec does
not define become U+FFFD, except 0x80..0x9F of the windows-* code pages,
which map to U+0080..U+009F as the WHATWG Encoding Standard does.

Usage: tools/gen_charset.py > tables.txt, then paste over the tables in
src/lib/ms_charset.c (they are committed so a VMS build needs no Python).
"""
import codecs
TABLES = [
    ("cp1252", "windows-1252"), ("iso8859_2", "iso-8859-2"),
    ("iso8859_3", "iso-8859-3"), ("iso8859_4", "iso-8859-4"),
    ("iso8859_5", "iso-8859-5"), ("iso8859_6", "iso-8859-6"),
    ("iso8859_7", "iso-8859-7"), ("iso8859_8", "iso-8859-8"),
    ("iso8859_10", "iso-8859-10"), ("iso8859_13", "iso-8859-13"),
    ("iso8859_14", "iso-8859-14"), ("iso8859_15", "iso-8859-15"),
    ("iso8859_16", "iso-8859-16"), ("cp1250", "windows-1250"),
    ("cp1251", "windows-1251"), ("cp1253", "windows-1253"),
    ("cp1254", "windows-1254"), ("cp1255", "windows-1255"),
    ("cp1256", "windows-1256"), ("cp1257", "windows-1257"),
    ("cp1258", "windows-1258"), ("cp874", "windows-874"),
    ("koi8_r", "koi8-r"), ("koi8_u", "koi8-u"),
]
for codec, name in TABLES:
    vals = []
    for b in range(0x80, 0x100):
        try:
            s = bytes([b]).decode(codec)
            assert len(s) == 1
            cp = ord(s)
        except UnicodeDecodeError:
            cp = b if (codec.startswith("cp") and b < 0xA0) else 0xFFFD
        vals.append(cp)
    ident = "cs_" + name.replace("-", "_")
    print("/* %s */" % name)
    print("static const uint16_t %s[128] = {" % ident)
    for r in range(0, 128, 8):
        print("\t" + ", ".join("0x%04X" % v for v in vals[r:r+8]) + ",")
    print("};")
    print()
