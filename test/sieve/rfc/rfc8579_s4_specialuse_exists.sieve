# specialuse_exists (RFC 8579 section 4); constructed, not copied from
# the RFC, whose example needs the imapsieve extension.
require ["special-use", "fileinto"];
if specialuse_exists "\\Junk" {
    fileinto :specialuse "\\Junk" "Spam";
} elsif specialuse_exists "INBOX" ["\\Junk", "\\Trash"] {
    keep;
}
