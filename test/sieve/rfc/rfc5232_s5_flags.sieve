require ["imap4flags", "fileinto"];
fileinto :flags "\\Deleted" "INBOX.From Boss";
fileinto "INBOX.From Boss";
