/** What `npm start`'s banner says about where the data is kept. */
import { loadConfig } from '../../src/config';
import { startBanner } from '../../src/runtime/banner';

const config = loadConfig({ DATA_DIR: '/srv/checkout/.data' });

describe('the start-up banner, on data', () => {
  it('names the data folder', () => {
    expect(startBanner(config, { postgresDataDir: '/srv/checkout/.data/postgres' })).toContain(
      '  Data           /srv/checkout/.data\n',
    );
  });

  it('says when PostgreSQL keeps its data outside the checkout, and how to remove it', () => {
    const banner = startBanner(config, {
      postgresDataDir: '/var/lib/appdirect-provisioner/postgres-0123456789abcdef',
    });
    expect(banner).toContain(
      '  Data           /srv/checkout/.data\n' +
        '                 PostgreSQL: /var/lib/appdirect-provisioner/postgres-0123456789abcdef (outside DATA_DIR: ' +
        'deleting the checkout leaves it; npm run data:remove removes it)\n',
    );
  });

  it('says nothing of an embedded PostgreSQL when DATABASE_URL is used', () => {
    expect(startBanner(config, {})).not.toContain('PostgreSQL:');
  });
});
