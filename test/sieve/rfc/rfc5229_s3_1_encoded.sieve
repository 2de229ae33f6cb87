require ["encoded-character", "variables"];
set "name" "Ethelbert";
if header :contains "Subject" "dear${hex:20 24 7b 4e}ame}" {
    # the test string is "dear Ethelbert"
}
