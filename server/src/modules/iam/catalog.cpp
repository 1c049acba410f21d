#include "modules/iam/catalog.h"

namespace fy::iam {

const std::vector<MenuGroup>& catalog() {
  static const std::vector<MenuGroup> groups = {
      {"system",
       "权限",
       "Access",
       "Lock",
       {{"iam:user:list",
         "users",
         "用户管理",
         "Users",
         "/system/users",
         {{"iam:user:create", "新增", "Add"},
          {"iam:user:update", "编辑", "Edit"},
          {"iam:user:delete", "删除", "Delete"},
          {"iam:user:status", "状态", "Status"},
          {"iam:user:reset-password", "重置密码", "Reset password"},
          {"iam:user:grant", "授权", "Grant roles"},
          {"iam:user:move", "移动", "Move"},
          {"pii:phone:reveal", "查看手机号", "Reveal phone"}}},
        {"iam:role:list",
         "roles",
         "角色管理",
         "Roles",
         "/system/roles",
         {{"iam:role:create", "新增", "Add"},
          {"iam:role:update", "编辑", "Edit"},
          {"iam:role:delete", "删除", "Delete"},
          {"iam:role:status", "状态", "Status"},
          {"iam:role:grant", "授权", "Grant permissions"}}},
        {"iam:login-log:list", "login-logs", "登录日志", "Login log", "/system/login-logs", {}},
        {"audit:log:list", "audit-logs", "操作日志", "Audit log", "/system/audit-logs", {}}}},
      {"region",
       "地区",
       "Regions",
       "Location",
       {{"region:node:list",
         "regions",
         "地区管理",
         "Region tree",
         "/region/nodes",
         {{"region:node:create", "新增", "Add"},
          {"region:node:update", "编辑", "Edit"},
          {"region:node:status", "状态", "Status"},
          {"region:node:move", "移动", "Move"}}}}},
      {"vaccination",
       "预约",
       "Vaccination",
       "FirstAidKit",
       {{"vax:link:list",
         "vax-links",
         "预约地址",
         "Booking links",
         "/vaccination/links",
         {{"vax:link:rotate", "重置团体链接", "Renew group link"}}},
        {"vax:vaccine:list",
         "vax-vaccines",
         "疫苗管理",
         "Vaccines",
         "/vaccination/vaccines",
         {{"vax:vaccine:create", "新增", "Add"},
          {"vax:vaccine:update", "编辑", "Edit"},
          {"vax:vaccine:status", "状态", "Status"}}},
        {"vax:site:list",
         "vax-sites",
         "接种地点",
         "Sites",
         "/vaccination/sites",
         {{"vax:site:create", "新增", "Add"},
          {"vax:site:update", "编辑", "Edit"},
          {"vax:site:status", "状态", "Status"}}},
        {"vax:staff:list",
         "vax-staff",
         "核销人员授权",
         "Site staff",
         "/vaccination/staff",
         {{"vax:staff:create", "新增", "Add"},
          {"vax:staff:status", "状态", "Status"},
          {"vax:staff:passcode", "重置通过码", "Reset pass code"}}},
        {"vax:slot:list",
         "vax-slots",
         "预约时间",
         "Time slots",
         "/vaccination/slots",
         {{"vax:slot:create", "新增", "Add"},
          {"vax:slot:update", "编辑", "Edit"},
          {"vax:slot:status", "锁定/发布", "Lock / release"},
          {"vax:slot:quota", "加名额", "Add places"}}},
        {"vax:booking:list",
         "vax-bookings",
         "预约记录",
         "Bookings",
         "/vaccination/bookings",
         {{"vax:booking:update", "编辑", "Edit"},
          {"vax:booking:cancel", "取消预约", "Cancel"},
          {"vax:booking:vaccinate", "接种状态", "Vaccination"},
          {"vax:booking:checkin", "登记状态", "Check-in"},
          {"vax:booking:grid", "修改网格", "Change grid"},
          {"vax:booking:export", "导出", "Export"},
          {"pii:id:reveal", "查看身份证号", "Reveal ID numbers"}}},
        {"vax:booking:import", "vax-import", "批量导入", "Import", "/vaccination/import", {}},
        {"vax:setting:update",
         "vax-settings",
         "预约设置",
         "Settings",
         "/vaccination/settings",
         {}}}},
      {"statistics",
       "统计",
       "Statistics",
       "DataAnalysis",
       {{"vax:stat:region",
         "vax-stats-regions",
         "地区统计",
         "Region statistics",
         "/vaccination/stats/regions",
         {{"vax:stat:export", "导出", "Export"}}},
        {"vax:stat:grid",
         "vax-stats-grids",
         "网格统计",
         "Grid statistics",
         "/vaccination/stats/grids",
         {}},
        {"vax:stat:board", "vax-board", "大数据榜单", "Leaderboard", "/vaccination/board", {}}}},
      {"notify",
       "短信",
       "SMS",
       "Message",
       {{"notify:sms:list",
         "sms",
         "短信通知",
         "SMS",
         "/notify/sms",
         {{"notify:template:update", "修改模板", "Edit templates"}}}}},
  };
  return groups;
}

bool isKnownPermission(const std::string& code) {
  for (const auto& g : catalog())
    for (const auto& m : g.menus) {
      if (m.code == code) return true;
      for (const auto& b : m.buttons)
        if (b.code == code) return true;
    }
  return false;
}

nlohmann::json catalogJson() {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& g : catalog()) {
    nlohmann::json menus = nlohmann::json::array();
    for (const auto& m : g.menus) {
      nlohmann::json buttons = nlohmann::json::array();
      for (const auto& b : m.buttons)
        buttons.push_back({{"code", b.code}, {"title", b.title}, {"titleEn", b.titleEn}});
      menus.push_back(
          {{"code", m.code}, {"title", m.title}, {"titleEn", m.titleEn}, {"buttons", buttons}});
    }
    out.push_back(
        {{"key", g.key}, {"title", g.title}, {"titleEn", g.titleEn}, {"children", menus}});
  }
  return out;
}

nlohmann::json menusFor(const std::set<std::string>& perms) {
  nlohmann::json out = nlohmann::json::array();
  out.push_back({{"key", "home"},
                 {"title", "首页"},
                 {"titleEn", "Home"},
                 {"icon", "House"},
                 {"path", "/home"},
                 {"children", nlohmann::json::array()}});
  for (const auto& g : catalog()) {
    nlohmann::json children = nlohmann::json::array();
    for (const auto& m : g.menus)
      if (perms.count(m.code))
        children.push_back({{"key", m.key},
                            {"title", m.title},
                            {"titleEn", m.titleEn},
                            {"path", m.path},
                            {"perm", m.code}});
    if (!children.empty())
      out.push_back({{"key", g.key},
                     {"title", g.title},
                     {"titleEn", g.titleEn},
                     {"icon", g.icon},
                     {"children", children}});
  }
  return out;
}

}  // namespace fy::iam
