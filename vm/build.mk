# vm/: the interpreter and the toy command.
