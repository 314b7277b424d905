#ifndef X_H
#define X_H

int a(void);
int b(void);

static inline int c(void)
{
	return 0;
}

#endif
