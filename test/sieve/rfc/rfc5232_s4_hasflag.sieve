require ["imap4flags", "variables", "relational",
         "comparator-i;ascii-numeric"];
if hasflag :is "b A" { keep; }
if hasflag ["b","A"] { keep; }
if hasflag :contains "MyVar" "Junk" { keep; }
if hasflag :contains "MyVar" "forward" { keep; }
if hasflag :contains "MyVar" ["label", "forward"] { keep; }
if hasflag :contains "MyVar" ["junk", "forward"] { keep; }
if hasflag :contains "MyVar" "junk forward" { keep; }
if hasflag :contains "MyVar" "forward junk" { keep; }
if hasflag :contains "MyVar" "label" { keep; }
if hasflag :contains "MyVar" ["label1", "label2"] { keep; }
if hasflag :count "ge" :comparator "i;ascii-numeric"
        "MyFlags" "2" { keep; }
