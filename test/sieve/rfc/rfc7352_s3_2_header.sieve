require "duplicate";
if duplicate :header "message-id" {
  discard;
}
