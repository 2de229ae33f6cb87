require "variables";
# The value assigned to the variable is printed after the arrow
set "a" "juMBlEd lETteRS";             # => "juMBlEd lETteRS"
set :length "b" "${a}";                # => "15"
set :lower "b" "${a}";                 # => "jumbled letters"
set :upperfirst "b" "${a}";            # => "JuMBlEd lETteRS"
set :upperfirst :lower "b" "${a}";     # => "Jumbled letters"
set :quotewildcard "b" "Rock*";        # => "Rock\*"
