require ["editheader", "fileinto"];
addheader "X-Hello" "World";
if header :contains "X-Hello" "World"
{
        fileinto "international";
}
