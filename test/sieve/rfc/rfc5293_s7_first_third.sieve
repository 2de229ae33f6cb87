require ["editheader", "index"];
deleteheader :index 1 "X-Hello";
deleteheader :index 2 "X-Hello";
