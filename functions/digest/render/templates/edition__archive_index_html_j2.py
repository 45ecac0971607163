# archive_index.html.j2 compiled by digest.render.precompiled (`make templates`) for digest.render.runtime: do not edit.
from digest.render.runtime import TemplateRuntimeError, Undefined, escape, internalcode, missing
name = 'archive_index.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_branding = resolve('branding')
    l_0_name = resolve('name')
    l_0_intro = resolve('intro')
    l_0_feed_url = resolve('feed_url')
    l_0_base_url = resolve('base_url')
    l_0_send_day = resolve('send_day')
    l_0_subscribe_url = resolve('subscribe_url')
    l_0_entries = resolve('entries')
    l_0_privacy_policy_url = resolve('privacy_policy_url')
    l_0_postal_address = resolve('postal_address')
    l_0_b = missing
    try:
        t_1 = environment.filters['safe']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'safe' found.")
    pass
    l_0_b = (undefined(name='branding') if l_0_branding is missing else l_0_branding)
    context.vars['b'] = l_0_b
    context.exported_vars.add('b')
    yield '<!doctype html>\n<html lang="'
    yield escape(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'language'))
    yield '" dir="ltr">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="color-scheme" content="light dark">\n<meta name="supported-color-schemes" content="light dark">\n<title>'
    yield escape((undefined(name='name') if l_0_name is missing else l_0_name))
    yield ': past editions</title>\n<meta name="description" content="'
    yield escape((undefined(name='intro') if l_0_intro is missing else l_0_intro))
    yield '">\n'
    if (undefined(name='feed_url') if l_0_feed_url is missing else l_0_feed_url):
        pass
        yield '<link rel="alternate" type="application/rss+xml" title="'
        yield escape((undefined(name='name') if l_0_name is missing else l_0_name))
        yield '" href="'
        yield escape((undefined(name='feed_url') if l_0_feed_url is missing else l_0_feed_url))
        yield '">\n'
    if (undefined(name='base_url') if l_0_base_url is missing else l_0_base_url):
        pass
        yield '<link rel="canonical" href="'
        yield escape((undefined(name='base_url') if l_0_base_url is missing else l_0_base_url))
        yield '">\n'
    yield '<style>\n  :root {\n    color-scheme: light dark;\n    --ink: '
    yield escape(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'text_colour'))
    yield '; --muted: '
    yield escape(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'muted_colour'))
    yield '; --rule: '
    yield escape(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'rule_colour'))
    yield ';\n    --brand: '
    yield escape(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'primary_colour'))
    yield '; --page: '
    yield escape(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'background_colour'))
    yield '; --card: '
    yield escape(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'surface_colour'))
    yield ';\n  }\n  @media (prefers-color-scheme: dark) {\n    :root { --ink: #ececec; --muted: #b5b0a8; --rule: #3a3a3a; --brand: #ff7a70; --page: #121212; --card: #1d1d1d; }\n  }\n  * { box-sizing: border-box; }\n  body { margin: 0; background: var(--page); color: var(--ink); font: 16px/1.6 '
    yield escape(t_1(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'font_stack')))
    yield '; }\n  main { max-width: 680px; margin: 0 auto; background: var(--card); border-top: 4px solid '
    yield escape(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'primary_colour'))
    yield '; padding: 32px 32px 40px; }\n  header { text-align: center; }\n  h1 { margin: 0; font: 700 40px/1.1 '
    yield escape(t_1(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'heading_font_stack')))
    yield '; letter-spacing: -0.5px; }\n  .tagline { margin: 8px 0 0; color: var(--muted); }\n  .actions { margin: 16px 0 0; padding: 10px 0; border-top: 1px solid var(--rule); border-bottom: 1px solid var(--rule);\n             font-size: 13px; font-weight: 600; letter-spacing: 1px; text-transform: uppercase; }\n  .actions a { color: var(--muted); margin: 0 10px; }\n  h2 { margin: 32px 0 0; padding-top: 10px; border-top: 3px solid var(--ink); color: var(--brand);\n       font: 700 14px/1.3 '
    yield escape(t_1(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'heading_font_stack')))
    yield '; letter-spacing: 1.5px; text-transform: uppercase; }\n  ol { list-style: none; margin: 0; padding: 0; }\n  li { padding: 18px 0; border-bottom: 1px solid var(--rule); }\n  li:last-child { border-bottom: 0; }\n  .meta { margin: 0 0 4px; color: var(--muted); font-size: 12px; font-weight: 600; letter-spacing: 1px; text-transform: uppercase; }\n  .headline { margin: 0; font: 700 21px/1.3 '
    yield escape(t_1(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'heading_font_stack')))
    yield '; text-align: start; }\n  .headline a { color: var(--ink); text-decoration: none; }\n  .headline a:hover, .headline a:focus { color: var(--brand); text-decoration: underline; }\n  .summary { margin: 6px 0 0; text-align: start; }\n  .empty { color: var(--muted); }\n  footer { max-width: 680px; margin: 0 auto; padding: 24px 32px 40px; text-align: center; color: var(--muted); font-size: 13px; }\n  footer a { color: var(--muted); }\n  @media (max-width: 479px) {\n    main { padding: 24px 20px 32px; }\n    h1 { font-size: 30px; }\n    .headline { font-size: 19px; }\n    footer { padding: 20px; }\n  }\n</style>\n</head>\n<body>\n<main>\n<header>\n<h1>'
    yield escape((undefined(name='name') if l_0_name is missing else l_0_name))
    yield '</h1>\n<p class="tagline">'
    yield escape((undefined(name='intro') if l_0_intro is missing else l_0_intro))
    yield ' In your inbox every '
    yield escape((undefined(name='send_day') if l_0_send_day is missing else l_0_send_day))
    yield '.</p>\n'
    if ((undefined(name='subscribe_url') if l_0_subscribe_url is missing else l_0_subscribe_url) or (undefined(name='feed_url') if l_0_feed_url is missing else l_0_feed_url)):
        pass
        yield '<p class="actions">'
        if (undefined(name='subscribe_url') if l_0_subscribe_url is missing else l_0_subscribe_url):
            pass
            yield '<a href="'
            yield escape((undefined(name='subscribe_url') if l_0_subscribe_url is missing else l_0_subscribe_url))
            yield '">Subscribe</a>'
        if (undefined(name='feed_url') if l_0_feed_url is missing else l_0_feed_url):
            pass
            yield '<a href="'
            yield escape((undefined(name='feed_url') if l_0_feed_url is missing else l_0_feed_url))
            yield '">RSS feed</a>'
        yield '</p>\n'
    yield '</header>\n<h2>Past editions</h2>\n'
    if (undefined(name='entries') if l_0_entries is missing else l_0_entries):
        pass
        yield '<ol>\n'
        for l_1_entry in (undefined(name='entries') if l_0_entries is missing else l_0_entries):
            _loop_vars = {}
            pass
            yield '<li>\n<p class="meta"><time datetime="'
            yield escape(environment.getattr(l_1_entry, 'date_iso'))
            yield '">'
            yield escape(environment.getattr(l_1_entry, 'date_label'))
            yield '</time> · No. '
            yield escape(environment.getattr(l_1_entry, 'number'))
            yield '</p>\n<h3 class="headline" dir="auto">'
            if environment.getattr(l_1_entry, 'url'):
                pass
                yield '<a href="'
                yield escape(environment.getattr(l_1_entry, 'url'))
                yield '">'
                yield escape(environment.getattr(l_1_entry, 'headline'))
                yield '</a>'
            else:
                pass
                yield escape(environment.getattr(l_1_entry, 'headline'))
            yield '</h3>\n'
            if environment.getattr(l_1_entry, 'summary'):
                pass
                yield '<p class="summary" dir="auto">'
                yield escape(environment.getattr(l_1_entry, 'summary'))
                yield '</p>\n'
            yield '</li>\n'
        l_1_entry = missing
        yield '</ol>\n'
    else:
        pass
        yield '<p class="empty">No editions yet. The first one arrives on '
        yield escape((undefined(name='send_day') if l_0_send_day is missing else l_0_send_day))
        yield '.</p>\n'
    yield '</main>\n<footer>\n'
    if (undefined(name='privacy_policy_url') if l_0_privacy_policy_url is missing else l_0_privacy_policy_url):
        pass
        yield '<p><a href="'
        yield escape((undefined(name='privacy_policy_url') if l_0_privacy_policy_url is missing else l_0_privacy_policy_url))
        yield '">Privacy policy</a></p>\n'
    if (undefined(name='postal_address') if l_0_postal_address is missing else l_0_postal_address):
        pass
        yield '<p>'
        yield escape((undefined(name='postal_address') if l_0_postal_address is missing else l_0_postal_address))
        yield '</p>\n'
    yield '</footer>\n</body>\n</html>\n'

blocks = {}
debug_info = '2=28&4=32&10=34&11=36&12=38&13=41&15=45&16=48&21=51&22=57&28=63&29=65&31=67&37=69&42=71&60=73&61=75&62=79&63=82&67=94&69=97&71=101&72=107&73=118&74=121&80=129&84=132&85=135&87=137&88=140'

AUTOESCAPE = True
SOURCE_SHA256 = '2ebc557336c2edcc770a6a91bf137014e25065c74c4cf742402fca4f899e8495'
