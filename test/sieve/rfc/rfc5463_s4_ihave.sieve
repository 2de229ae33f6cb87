# ihave (RFC 5463 section 4) and error (section 5); constructed, not
# copied from the RFC.
require ["ihave", "fileinto"];
if ihave "mailbox" {
    fileinto :create "INBOX.lists";
} elsif ihave ["ereject", "envelope"] {
    ereject "No mailbox extension here.";
} else {
    error "Neither mailbox nor ereject is available.";
}
