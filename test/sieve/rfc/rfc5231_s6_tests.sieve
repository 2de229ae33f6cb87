require ["relational", "comparator-i;ascii-numeric"];
if address :count "ge" :comparator "i;ascii-numeric"
                ["to", "cc"] ["3"]
{ keep; }
if anyof ( address :count "ge" :comparator "i;ascii-numeric"
                ["to"] ["3"],
        address :count "ge" :comparator "i;ascii-numeric"
                ["cc"] ["3"] )
{ keep; }
if header :count "ge" :comparator "i;ascii-numeric"
                ["received"] ["3"]
{ keep; }
if header :count "ge" :comparator "i;ascii-numeric"
                ["received", "subject"] ["3"]
{ keep; }
if header :count "ge" :comparator "i;ascii-numeric"
                ["to", "cc"] ["3"]
{ keep; }
