// RunClassNames: the class names of a run, from an MXNet synset.txt (one name
// a line) in the run directory or beside its data (--data-val, then
// --data-train); Fashion-MNIST's own for a run on the default data; else
// classes are shown by number.
#pragma once

#include <QString>
#include <QStringList>

#include "fitbench/fit_config.h"

class RunClassNames {
 public:
  // Looks for the file and reads it (call it off the UI thread: it touches
  // the disk). A file that cannot be read leaves the names empty and says so
  // in source().
  static RunClassNames find(const QString& runDir, const fitbench::FitConfig& config);

  QStringList names() const { return m_names; }
  // "synset.txt in <dir>", "no synset.txt: classes by number" or the error.
  QString source() const { return m_source; }
  // "3 Dress" with a name, "3" without.
  QString label(int c) const;

 private:
  QStringList m_names;
  QString m_source;
};
