// The page's files (services/dashboard/web/), compiled into the binary by the build
// (embed_web.cmake writes web_assets_data.cpp), so the dashboard serves them with nothing on
// disk and nothing fetched from elsewhere.
//
//   if (const WebAsset* a = find_web_asset("/app.js")) send(a->content_type, a->data, a->size);
#pragma once

#include <cstddef>
#include <string_view>

namespace orion::dashboard {

struct WebAsset {
  const char* path;          // "/index.html"
  const char* content_type;  // "text/html; charset=utf-8"
  const unsigned char* data;
  std::size_t size;
};

// The asset served at `path` ("/" is "/index.html"); nullptr when there is none.
const WebAsset* find_web_asset(std::string_view path);

// Generated (web_assets_data.cpp): every file of web/, and how many.
extern const WebAsset kWebAssets[];
extern const std::size_t kWebAssetCount;

}  // namespace orion::dashboard
