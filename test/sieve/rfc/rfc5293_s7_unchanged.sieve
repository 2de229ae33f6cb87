require ["editheader", "index"];
addheader "X-Hello" "World";
deleteheader :index 1 "X-Hello";
