# Turns db/migrations/NNNN_name[.sqlite|.pg].sql (FILES, separated by |) into a C++ table of
# raw strings.
string(REPLACE "|" ";" files "${FILES}")
list(SORT files)
set(body "#include \"db/migrations.h\"\nnamespace fy::db {\nconst std::vector<MigrationFile>& embeddedMigrations() {\n  static const std::vector<MigrationFile> all = {\n")
foreach(f ${files})
  get_filename_component(name ${f} NAME)
  file(READ ${f} content)
  string(APPEND body "    {\"${name}\", R\"FYSQL(${content})FYSQL\"},\n")
endforeach()
string(APPEND body "  };\n  return all;\n}\n}  // namespace fy::db\n")
file(WRITE ${OUT} "${body}")
