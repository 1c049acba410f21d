#pragma once
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace fy::iam {

struct Button {
  std::string code, title, titleEn;
};
struct Menu {
  std::string code;  // the menu permission, e.g. iam:user:list
  std::string key, title, titleEn, path;
  std::vector<Button> buttons;
};
struct MenuGroup {
  std::string key, title, titleEn, icon;
  std::vector<Menu> menus;
};

// The permission catalogue: groups → menus → buttons, as on seed 000's role screen.
const std::vector<MenuGroup>& catalog();
bool isKnownPermission(const std::string& code);
nlohmann::json catalogJson();
nlohmann::json menusFor(const std::set<std::string>& perms);

}  // namespace fy::iam
