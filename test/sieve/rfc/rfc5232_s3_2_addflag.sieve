require ["imap4flags", "variables"];
   addflag "flagvar" "\\Deleted";
   addflag "flagvar" "\\Answered";

# produce the same result as the single action
   addflag "flagvar" ["\\Deleted", "\\Answered"];
# or
   addflag "flagvar" "\\Deleted \\Answered";
# or
   addflag "flagvar" "\\Answered \\Deleted";
