# archive_feed.xml.j2 compiled by digest.render.precompiled (`make templates`) for digest.render.runtime: do not edit.
from digest.render.runtime import TemplateRuntimeError, Undefined, escape, internalcode, missing
name = 'archive_feed.xml.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_name = resolve('name')
    l_0_base_url = resolve('base_url')
    l_0_intro = resolve('intro')
    l_0_branding = resolve('branding')
    l_0_feed_url = resolve('feed_url')
    l_0_entries = resolve('entries')
    try:
        t_1 = environment.filters['rfc822']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'rfc822' found.")
    pass
    yield '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n<title>'
    yield escape((undefined(name='name') if l_0_name is missing else l_0_name))
    yield '</title>\n<link>'
    yield escape(((undefined(name='base_url') if l_0_base_url is missing else l_0_base_url) or ''))
    yield '</link>\n<description>'
    yield escape((undefined(name='intro') if l_0_intro is missing else l_0_intro))
    yield '</description>\n<language>'
    yield escape(environment.getattr((undefined(name='branding') if l_0_branding is missing else l_0_branding), 'language'))
    yield '</language>\n'
    if (undefined(name='feed_url') if l_0_feed_url is missing else l_0_feed_url):
        pass
        yield '<atom:link href="'
        yield escape((undefined(name='feed_url') if l_0_feed_url is missing else l_0_feed_url))
        yield '" rel="self" type="application/rss+xml"/>\n'
    if (undefined(name='entries') if l_0_entries is missing else l_0_entries):
        pass
        yield '<lastBuildDate>'
        yield escape(t_1(environment.getattr(environment.getitem((undefined(name='entries') if l_0_entries is missing else l_0_entries), 0), 'date')))
        yield '</lastBuildDate>\n'
    for l_1_entry in (undefined(name='entries') if l_0_entries is missing else l_0_entries):
        _loop_vars = {}
        pass
        yield '<item>\n<title>No. '
        yield escape(environment.getattr(l_1_entry, 'number'))
        yield ', '
        yield escape(environment.getattr(l_1_entry, 'date_label'))
        yield ': '
        yield escape(environment.getattr(l_1_entry, 'headline'))
        yield '</title>\n'
        if environment.getattr(l_1_entry, 'url'):
            pass
            yield '<link>'
            yield escape(environment.getattr(l_1_entry, 'url'))
            yield '</link>\n<guid isPermaLink="true">'
            yield escape(environment.getattr(l_1_entry, 'url'))
            yield '</guid>\n'
        else:
            pass
            yield '<guid isPermaLink="false">'
            yield escape(environment.getattr(l_1_entry, 'id'))
            yield '</guid>\n'
        yield '<pubDate>'
        yield escape(t_1(environment.getattr(l_1_entry, 'date')))
        yield '</pubDate>\n'
        if environment.getattr(l_1_entry, 'summary'):
            pass
            yield '<description>'
            yield escape(environment.getattr(l_1_entry, 'summary'))
            yield '</description>\n'
        yield '</item>\n'
    l_1_entry = missing
    yield '</channel>\n</rss>\n'

blocks = {}
debug_info = '5=24&6=26&7=28&8=30&9=32&10=35&12=37&13=40&15=42&17=46&18=52&19=55&20=57&22=62&24=65&25=67&26=70'

AUTOESCAPE = True
SOURCE_SHA256 = '1a6192ec8f2f80dc8631c6aeaf892a52a4e002f6d8785012246df3eae46cb946'
