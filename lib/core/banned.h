/* Functions we never call: unbounded or unchecked (after git's banned.h). */
#ifndef EMB_BANNED_H
#define EMB_BANNED_H

#define EMB_BANNED(f) sorry_##f##_is_banned_in_embkit

#undef strcpy
#define strcpy(x, y) EMB_BANNED(strcpy)
#undef strcat
#define strcat(x, y) EMB_BANNED(strcat)
#undef sprintf
#define sprintf(...) EMB_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) EMB_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) EMB_BANNED(strtok)
#undef atoi
#define atoi(x) EMB_BANNED(atoi)
#undef atof
#define atof(x) EMB_BANNED(atof)
#undef gets
#define gets(x) EMB_BANNED(gets)

#endif
